"""The local etcd runner: free ports, health, restart keeps ports and data."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from buttress.store.etcd import EtcdStore
from buttress.store.etcd_server import EtcdServer, find_etcd


def test_start_restart_keeps_ports_and_data(tmp_path: Path) -> None:
    try:
        find_etcd()
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.skip(str(error))

    async def put(endpoint: str) -> None:
        store = EtcdStore(endpoint, timeout=5)
        await store.put("/durable", "yes")
        assert (await store.status()).startswith("3.")
        await store.close()

    async def get(endpoint: str) -> bytes | None:
        store = EtcdStore(endpoint, timeout=5)
        kv = await store.get("/durable")
        await store.close()
        return kv.value if kv else None

    with EtcdServer(tmp_path / "etcd") as server:
        assert server.healthy() and server.running
        assert server.endpoint.startswith("127.0.0.1:")
        ports = (server.client_port, server.peer_port)
        asyncio.run(put(server.endpoint))
        server.restart()
        assert (server.client_port, server.peer_port) == ports
        assert asyncio.run(get(server.endpoint)) == b"yes"
        server.kill()
        assert not server.running and not server.healthy()
        server.start()
        assert asyncio.run(get(server.endpoint)) == b"yes"
    assert not server.running
    assert (tmp_path / "etcd").is_dir()
