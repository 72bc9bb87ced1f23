"""The ``buttress`` console command: dispatches to simulate or the pcs-compatible commands.

Every ButtressError becomes one line on stderr and its exit code; never a traceback for a
user mistake.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from buttress import __version__
from buttress.cli.daemons import COMMANDS as DAEMON_COMMANDS
from buttress.errors import ButtressError

USAGE = """usage: buttress [-f CIB_FILE | --store HOST:PORT [--cluster NAME]] COMMAND ...

commands:
  simulate     compute what the cluster would do, as crm_simulate does
  agent        run a node agent (and a controller candidate) against etcd
  controller   run a stand-alone controller candidate
  sandbox      start, inspect, break and stop a local test cluster
  resource, constraint, stonith, property, node, cluster, status, config
               pcs-compatible commands: offline on a CIB file with -f FILE, on the live
               cluster through its etcd with --store (or $BUTTRESS_STORE)
  --version    print the version
"""


def _simulate(argv: list[str]) -> int:
    from buttress.cli.simulate import main as simulate_main

    return simulate_main(argv)


def _pcs(argv: list[str]) -> int:
    try:
        from buttress.cli.pcs import main as pcs_main
    except ImportError:
        raise ButtressError("the pcs-compatible commands are not available yet") from None
    return pcs_main(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {"simulate": _simulate, **DAEMON_COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if args else 2
    if args[0] == "--version":
        print(f"buttress {__version__}")
        return 0
    handler = COMMANDS.get(args[0])
    try:
        if handler is not None:
            return handler(args[1:])
        return _pcs(args)
    except ButtressError as exc:
        print(f"buttress: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
