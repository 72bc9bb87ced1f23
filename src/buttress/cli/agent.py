"""``buttress agent`` and ``buttress controller``: the daemons of a Buttress cluster.

``buttress agent --node NAME --store ENDPOINT [--cluster NAME] [--state-dir DIR]`` runs a
node agent and, unless ``--no-controller``, a controller candidate in the same process.
``buttress controller --store ENDPOINT [--cluster NAME] [--name NAME]`` runs a candidate
alone. Both run until SIGTERM/SIGINT. An unreachable store at start is one line on stderr
and exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import NoReturn

from buttress.errors import ButtressError, UsageError

DEFAULT_CLUSTER = "buttress"


class StoreUnreachable(ButtressError):
    """The store could not be reached when the daemon started."""

    exit_code = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="etcd endpoint host:port")
    parser.add_argument("--cluster", default=DEFAULT_CLUSTER)
    parser.add_argument("--lease-ttl", type=int, default=5,
                        help="membership/leadership lease TTL in seconds (default 5)")
    parser.add_argument("--events", type=Path, default=None,
                        help="append start/stop/fence events to this JSON-lines file")
    parser.add_argument("--log-file", type=Path, default=None)
    parser.add_argument("--log-level", default="info")


def _logging(args: argparse.Namespace, who: str) -> None:
    handler: logging.Handler
    if args.log_file is not None:
        args.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(args.log_file)
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(
        f"%(asctime)s {who} %(name)s %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, str(args.log_level).upper(), logging.INFO))
    logging.getLogger("grpc").setLevel(logging.ERROR)


async def _serve(main: Awaitable[None]) -> None:
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _check_store(store: object, endpoint: str) -> None:
    from buttress.store import StoreUnavailable

    try:
        await store.get("/buttress")  # type: ignore[attr-defined]
    except StoreUnavailable as error:
        raise StoreUnreachable(str(error)) from None


def agent_main(argv: list[str]) -> int:
    parser = _Parser(prog="buttress agent", description="Run a Buttress node agent.")
    parser.add_argument("--node", required=True)
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="node state (default /var/lib/buttress/NODE)")
    parser.add_argument("--no-controller", action="store_true",
                        help="do not run a controller candidate in this process")
    parser.add_argument("--wipe-run-dir", action="store_true",
                        help="empty the node's run directory at start (emulated reboot)")
    _common(parser)
    args = parser.parse_args(argv)
    _logging(args, f"agent[{args.node}]")

    from buttress.daemon.agent import AgentSettings, NodeAgent
    from buttress.daemon.controller import Controller
    from buttress.store import EtcdStore

    settings = AgentSettings(
        node=args.node, cluster=args.cluster,
        state_dir=args.state_dir or Path("/var/lib/buttress") / args.node,
        lease_ttl=args.lease_ttl, wipe_run_dir=args.wipe_run_dir, events_path=args.events)

    async def body() -> None:
        store = EtcdStore(args.store, timeout=max(1.0, args.lease_ttl / 2))
        try:
            await _check_store(store, args.store)
            agent = NodeAgent(store, settings)
            jobs = [agent.run()]
            if not args.no_controller:
                ctl_store = EtcdStore(args.store, timeout=max(1.0, args.lease_ttl / 2))
                jobs.append(Controller(ctl_store, args.cluster, args.node,
                                       lease_ttl=args.lease_ttl,
                                       events_path=args.events,
                                       node_member=agent.joined).run())
            await asyncio.gather(*jobs)
        finally:
            await store.close()

    asyncio.run(_serve(body()))
    return 0


def controller_main(argv: list[str]) -> int:
    parser = _Parser(prog="buttress controller",
                     description="Run a Buttress controller candidate.")
    parser.add_argument("--name", default=None, help="default: host name and pid")
    _common(parser)
    args = parser.parse_args(argv)
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    _logging(args, f"controller[{name}]")

    from buttress.daemon.controller import Controller
    from buttress.store import EtcdStore

    async def body() -> None:
        store = EtcdStore(args.store, timeout=max(1.0, args.lease_ttl / 2))
        try:
            await _check_store(store, args.store)
            await Controller(store, args.cluster, name, lease_ttl=args.lease_ttl,
                             events_path=args.events).run()
        finally:
            await store.close()

    asyncio.run(_serve(body()))
    return 0
