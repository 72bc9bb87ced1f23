"""The local channel between resource agents' helper commands and the node agent.

Protocol (version 1): a client connects to a Unix stream socket, sends ONE request as a
single line of UTF-8 JSON, reads ONE response line, and the server closes the connection.

Requests are objects with ``"v": 1`` and ``"op"`` plus the op's fields:

=================  ==========================================  ============================
op                 fields                                      result
=================  ==========================================  ============================
``get``            scope, node (str|null), name                ``{"value": str|null}``
``set``            scope, node, name, value                    ``{}``
``delete``         scope, node, name                           ``{}``
``get_all``        scope, name                                 ``{"values": {node: value}}``
``nodes``          (none)                                      ``{"local": str, "quorate":
                                                               bool, "nodes": [{"id", "name",
                                                               "state"}]}``
``resources``      (none)                                      ``{"resources": [{"id",
                                                               "agent", "role", "node"}]}``
``force_action``   resource, action                            ``{"rc": int, "output": str}``
=================  ==========================================  ============================

Responses are ``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": "text"}``.
Scopes follow the CIB: ``status`` (transient node attributes, "-l reboot", where promotion
scores live), ``nodes`` (permanent node attributes, "-l forever"), ``crm_config`` (cluster
properties, node is null), and any other CIB section name an agent passes with ``-t``.

The server side is an :class:`AttributeBackend`; :class:`InMemoryAttributeBackend` serves
tests and the sandbox, the node agent will back it with the store. The socket is created
mode 0600 inside a directory the caller owns; the channel trusts every local client that
can open it (the agents run as the node agent's user).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from buttress.errors import ButtressError

PROTOCOL_VERSION = 1
MAX_LINE = 256 * 1024
SOCKET_ENV = "BUTTRESS_ATTRD_SOCKET"
"""Environment variable through which the helper commands find the socket."""
NODE_ENV = "BUTTRESS_NODE_NAME"
"""Environment variable naming the local node for the helper commands."""


class AttributeChannelError(ButtressError):
    """The node agent's attribute channel could not be reached or refused a request."""


@dataclass(frozen=True)
class NodeInfo:
    """A cluster node as ``crm_node -l`` lists it; ``state`` is "member" or "lost"."""

    id: str
    name: str
    state: str = "member"


@dataclass(frozen=True)
class ResourcePlacement:
    """Where a resource (instance) runs and in which role, for crm_resource/crm_mon."""

    id: str
    agent: str
    node: str
    role: str = "Started"


class AttributeBackend(Protocol):
    """What the node agent must provide behind the channel. All methods may raise
    :class:`AttributeChannelError` with a message that is sent to the client."""

    async def get(self, scope: str, node: str | None, name: str) -> str | None: ...

    async def set(self, scope: str, node: str | None, name: str, value: str) -> None: ...

    async def delete(self, scope: str, node: str | None, name: str) -> None: ...

    async def get_all(self, scope: str, name: str) -> dict[str, str]: ...

    async def nodes(self) -> tuple[tuple[NodeInfo, ...], bool]:
        """All known nodes and whether the partition has quorum."""
        ...

    async def resources(self) -> tuple[ResourcePlacement, ...]: ...

    async def force_action(self, resource_id: str, action: str) -> tuple[int, str]:
        """Run ``action`` of ``resource_id`` locally outside the cluster's control."""
        ...


ForceHandler = Callable[[str, str], "asyncio.Future[tuple[int, str]] | Any"]


@dataclass
class InMemoryAttributeBackend:
    """A dict-backed :class:`AttributeBackend` (mutable on purpose: it *is* the state).

    ``values`` maps ``(scope, node or "", name)`` to the value. ``force_handler``, when set,
    is an async callable ``(resource_id, action) -> (rc, output)``.
    """

    node_list: tuple[NodeInfo, ...] = ()
    quorate: bool = True
    placements: tuple[ResourcePlacement, ...] = ()
    values: dict[tuple[str, str, str], str] = field(default_factory=dict)
    force_handler: Callable[[str, str], Any] | None = None

    async def get(self, scope: str, node: str | None, name: str) -> str | None:
        return self.values.get((scope, node or "", name))

    async def set(self, scope: str, node: str | None, name: str, value: str) -> None:
        self.values[(scope, node or "", name)] = value

    async def delete(self, scope: str, node: str | None, name: str) -> None:
        self.values.pop((scope, node or "", name), None)

    async def get_all(self, scope: str, name: str) -> dict[str, str]:
        return {n: v for (s, n, a), v in self.values.items() if s == scope and a == name}

    async def nodes(self) -> tuple[tuple[NodeInfo, ...], bool]:
        return self.node_list, self.quorate

    async def resources(self) -> tuple[ResourcePlacement, ...]:
        return self.placements

    async def force_action(self, resource_id: str, action: str) -> tuple[int, str]:
        if self.force_handler is None:
            raise AttributeChannelError("forcing resource actions is not supported here")
        rc, output = await self.force_handler(resource_id, action)
        return int(rc), str(output)


def _str_field(request: dict[str, Any], key: str, optional: bool = False) -> Any:
    value = request.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise AttributeChannelError(f"request field {key!r} must be a string")
    return value


async def dispatch(backend: AttributeBackend, local_node: str,
                   request: dict[str, Any]) -> dict[str, Any]:
    """Apply one decoded request to ``backend``; return the result object or raise."""
    if request.get("v") != PROTOCOL_VERSION:
        raise AttributeChannelError(f"unsupported protocol version {request.get('v')!r}")
    op = request.get("op")
    if op in ("get", "set", "delete"):
        scope = _str_field(request, "scope")
        node = _str_field(request, "node", optional=True)
        name = _str_field(request, "name")
        if op == "get":
            return {"value": await backend.get(scope, node, name)}
        if op == "set":
            await backend.set(scope, node, name, _str_field(request, "value"))
        else:
            await backend.delete(scope, node, name)
        return {}
    if op == "get_all":
        values = await backend.get_all(_str_field(request, "scope"), _str_field(request, "name"))
        return {"values": values}
    if op == "nodes":
        nodes, quorate = await backend.nodes()
        return {"local": local_node, "quorate": quorate,
                "nodes": [{"id": n.id, "name": n.name, "state": n.state} for n in nodes]}
    if op == "resources":
        placements = await backend.resources()
        return {"resources": [{"id": p.id, "agent": p.agent, "node": p.node, "role": p.role}
                              for p in placements]}
    if op == "force_action":
        rc, output = await backend.force_action(_str_field(request, "resource"),
                                                _str_field(request, "action"))
        return {"rc": rc, "output": output}
    raise AttributeChannelError(f"unknown op {op!r}")


class AttributeServer:
    """Serves :func:`dispatch` on a Unix socket. Use ``async with`` or start()/close()."""

    def __init__(self, backend: AttributeBackend, socket_path: Path, local_node: str) -> None:
        self.backend = backend
        self.socket_path = Path(socket_path)
        self.local_node = local_node
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        """Bind the socket (replacing a stale one) with mode 0600 and start serving."""
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._handle, path=str(self.socket_path), limit=MAX_LINE)
        finally:
            os.umask(old_umask)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    async def __aenter__(self) -> AttributeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise AttributeChannelError("request must be a JSON object")
                response = {"ok": True,
                            "result": await dispatch(self.backend, self.local_node, request)}
            except (ValueError, AttributeChannelError) as exc:
                response = {"ok": False, "error": str(exc)}
            writer.write(json.dumps(response).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def call(socket_path: str | os.PathLike[str], request: dict[str, Any],
         timeout_s: float = 10.0) -> dict[str, Any]:
    """Blocking client: send ``request`` (``v`` is added), return the result object.

    Raises :class:`AttributeChannelError` when the socket cannot be reached, the reply is
    malformed, or the server reports an error.
    """
    payload = json.dumps({"v": PROTOCOL_VERSION, **request}).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(os.fspath(socket_path))
            sock.sendall(payload)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except OSError as exc:
        raise AttributeChannelError(
            f"cannot reach the node agent at {os.fspath(socket_path)}: {exc}") from exc
    try:
        response = json.loads(b"".join(chunks))
    except ValueError as exc:
        raise AttributeChannelError("malformed reply from the node agent") from exc
    if not isinstance(response, dict):
        raise AttributeChannelError("malformed reply from the node agent")
    if not response.get("ok"):
        raise AttributeChannelError(str(response.get("error", "request refused")))
    result = response.get("result")
    return result if isinstance(result, dict) else {}
