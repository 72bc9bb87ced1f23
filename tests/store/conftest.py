"""Fixtures of the store tests: a real etcd per test module, and a store per backend.

Each test module that asks for ``etcd_server`` gets its own etcd process on free loopback
ports in a temporary directory, so modules (and pytest-xdist workers) never share one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from buttress.store import MemoryStore, Store
from buttress.store.etcd import EtcdStore
from buttress.store.etcd_server import EtcdServer, find_etcd

BACKENDS = ["memory", "etcd"]


def _etcd_or_skip() -> None:
    try:
        find_etcd()
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    _etcd_or_skip()
    base: Path = tmp_path_factory.mktemp("etcd")
    server = EtcdServer(base / "data")
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The same contract runs on both backends."""
    backend: Store
    if request.param == "memory":
        backend = MemoryStore()
    else:
        server: EtcdServer = request.getfixturevalue("etcd_server")
        backend = EtcdStore(server.endpoint, timeout=5)
    yield backend
    await backend.close()


@pytest.fixture
def ns() -> str:
    """A key prefix of this test alone (the module's etcd is shared by its tests)."""
    return f"/test/{uuid.uuid4().hex[:10]}/"
