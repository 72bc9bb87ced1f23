"""A loopback TCP proxy per sandbox node, to cut one node off from the store.

Each sandbox node's daemons reach etcd through their own listening port of this process.
A node named in the control file is *partitioned*: its open connections are closed and
new ones are closed as soon as they are accepted, until it is removed from the file. The
process re-reads the control file on SIGUSR1 (``buttress sandbox partition/heal``)::

    python -m buttress.daemon.netproxy --target 127.0.0.1:2379 --nodes n1,n2,n3 \\
        --ports-file ports.json --control partitioned

``ports.json`` maps each node to its port once every listener is up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections.abc import Sequence
from pathlib import Path


class NodeLink:
    """The proxied connections of one node."""

    def __init__(self, node: str, target: tuple[str, int]) -> None:
        self.node = node
        self.target = target
        self.partitioned = False
        self.writers: set[asyncio.StreamWriter] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.partitioned:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_writer))
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            for each in (writer, up_writer):
                self.writers.discard(each)
                each.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data or self.partitioned:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def cut(self) -> None:
        self.partitioned = True
        for writer in list(self.writers):
            transport = writer.transport
            transport.abort()


async def serve(target: str, nodes: Sequence[str], ports_file: Path, control: Path) -> None:
    host, _, port = target.rpartition(":")
    links = {node: NodeLink(node, (host, int(port))) for node in nodes}
    servers = []
    ports = {}
    for node, link in links.items():
        server = await asyncio.start_server(link.handle, "127.0.0.1", 0)
        servers.append(server)
        ports[node] = server.sockets[0].getsockname()[1]

    def reload() -> None:
        try:
            cut = set(control.read_text().split())
        except FileNotFoundError:
            cut = set()
        for node, link in links.items():
            if node in cut and not link.partitioned:
                link.cut()
            elif node not in cut:
                link.partitioned = False

    reload()
    tmp = ports_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(ports))
    tmp.replace(ports_file)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, reload)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m buttress.daemon.netproxy")
    parser.add_argument("--target", required=True)
    parser.add_argument("--nodes", required=True)
    parser.add_argument("--ports-file", type=Path, required=True)
    parser.add_argument("--control", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.target, args.nodes.split(","), args.ports_file, args.control))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
