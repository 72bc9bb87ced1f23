"""``buttress sandbox up|kill|partition|heal|status|down``: a whole cluster on this machine.

``up`` prints the sandbox directory on stdout's first line and returns once the cluster is
stable; the other subcommands find it with ``--dir``, ``$BUTTRESS_SANDBOX`` or the
directory of the last ``up`` (remembered in a file under ``$XDG_RUNTIME_DIR`` or /tmp).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from buttress.errors import ButtressError, UsageError

USAGE = """usage: buttress sandbox COMMAND [options]

commands:
  up [--nodes N] [--dir DIR] [--config CIB.xml] [--lease-ttl S]
                     start etcd, one emulated BMC and one agent per node; load the config
  status [--output text|json]   show the live cluster
  kill NODE          power loss of NODE (SIGKILL of its process group)
  partition NODE     cut NODE off from etcd;  heal NODE  reconnects it
  down               stop everything and keep the directory
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _pointer() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"buttress-sandbox-{os.getuid()}.current"


def _find_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("BUTTRESS_SANDBOX")
    if env:
        return Path(env)
    try:
        return Path(_pointer().read_text().strip())
    except OSError:
        raise ButtressError("no sandbox found: pass --dir DIR (printed by "
                            "'buttress sandbox up')") from None


def _up(argv: list[str]) -> int:
    from buttress.daemon.sandbox import Sandbox

    parser = _Parser(prog="buttress sandbox up")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--cluster", default="sandbox")
    parser.add_argument("--lease-ttl", type=int, default=2)
    args = parser.parse_args(argv)
    if args.nodes < 1 or args.nodes > 16:
        raise UsageError("--nodes must be between 1 and 16")
    config = None
    if args.config is not None:
        try:
            config = args.config.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {args.config}: {exc.strerror}") from None
    directory = args.dir or Path(tempfile.mkdtemp(prefix="buttress-sandbox-"))
    print(directory, flush=True)
    sandbox = Sandbox(directory, args.nodes, cluster=args.cluster, lease_ttl=args.lease_ttl,
                      config=config)
    began = time.monotonic()
    sandbox.up()
    _pointer().write_text(str(directory.resolve()) + "\n")
    print(f"sandbox ready in {time.monotonic() - began:.1f}s: {len(sandbox.nodes)} nodes, "
          f"etcd at {sandbox.endpoint}", flush=True)
    return 0


def _status(argv: list[str]) -> int:
    from buttress.daemon.sandbox import Sandbox

    parser = _Parser(prog="buttress sandbox status")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--output", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    sandbox = Sandbox.load(_find_dir(args.dir))
    if args.output == "json":
        print(json.dumps(sandbox.summary(), indent=2, sort_keys=True))
        return 0
    sys.stdout.write(render_live(sandbox))
    return 0


def render_live(sandbox: object) -> str:
    """crm_mon-style text when the renderer is installed, else the plain summary."""
    from buttress.cib.reader import parse_cib
    from buttress.daemon.sandbox import Sandbox
    from buttress.daemon.view import render_summary

    assert isinstance(sandbox, Sandbox)
    summary = sandbox.summary()
    header = (f"Leader: {summary.get('leader') or 'none'}\n"
              f"Last pass: {summary.get('controller') or '-'}\n\n")
    try:
        from buttress.transition.status_text import render_status
    except ImportError:
        return render_summary(summary)
    try:
        return header + render_status(parse_cib(sandbox.cib(redact=True)), int(time.time()))
    except ButtressError:
        raise
    except Exception:  # the renderer is young; never lose the status because of it
        return render_summary(summary)


def _node_command(name: str, argv: list[str]) -> int:
    from buttress.daemon.sandbox import Sandbox

    parser = _Parser(prog=f"buttress sandbox {name}")
    parser.add_argument("node")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    sandbox = Sandbox.load(_find_dir(args.dir))
    if args.node not in sandbox.nodes:
        raise UsageError(f"unknown node {args.node!r} (nodes: {', '.join(sandbox.nodes)})")
    if name == "kill":
        sandbox.kill(args.node)
        print(f"{args.node}: process group killed (power lost)")
    else:
        sandbox.partition(args.node, cut=name == "partition")
        print(f"{args.node}: {'cut off from' if name == 'partition' else 'reconnected to'} "
              "the store")
    return 0


def _down(argv: list[str]) -> int:
    from buttress.daemon.sandbox import Sandbox

    parser = _Parser(prog="buttress sandbox down")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    directory = _find_dir(args.dir)
    Sandbox.load(directory).down()
    print(f"sandbox in {directory} stopped")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "up":
        return _up(rest)
    if command == "status":
        return _status(rest)
    if command in ("kill", "partition", "heal"):
        return _node_command(command, rest)
    if command == "down":
        return _down(rest)
    raise UsageError(f"unknown sandbox command {command!r}\n{USAGE}")
