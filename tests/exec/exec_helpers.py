"""Helpers for the exec tests: an emulated node and a throw-away OCF root."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from buttress.exec import AttributeServer, ExecContext, Executor, InMemoryAttributeBackend

T = TypeVar("T")


@dataclass
class Node:
    """A node sandbox: run coroutines with the attribute server up via :meth:`run`."""

    root: Path
    ctx: ExecContext
    backend: InMemoryAttributeBackend

    @property
    def executor(self) -> Executor:
        return Executor(self.ctx)

    def run(self, body: Callable[[], Awaitable[T]]) -> T:
        async def wrapped() -> T:
            assert self.ctx.attrd_socket is not None
            async with AttributeServer(self.backend, self.ctx.attrd_socket, self.ctx.node_name):
                return await body()

        return asyncio.run(wrapped())


def make_ocf_root(tmp_path: Path, agents: dict[str, str]) -> Path:
    """An OCF root with the system's shell libraries and test agents under provider "test"."""
    root = tmp_path / "ocf"
    (root / "resource.d" / "test").mkdir(parents=True)
    (root / "lib").symlink_to("/usr/lib/ocf/lib")
    for name, text in agents.items():
        path = root / "resource.d" / "test" / name
        path.write_text(text)
        path.chmod(0o755)
    return root
