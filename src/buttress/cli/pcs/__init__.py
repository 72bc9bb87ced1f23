"""pcs-compatible command line: ``buttress [-f FILE] resource|constraint|stonith|...``.

``main(argv)`` runs one command; argv includes the global options (``-f FILE``,
``--force``, ``--output json``...). Both the pcs 0.9 syntax of the 2015 OpenStack guides
(``--clone``, ``--master``, ``property set --node``, comma-separated fencing levels) and
the pcs 0.10/0.11 syntax are accepted. Without ``-f`` the commands act on the live cluster
whose etcd ``--store ENDPOINT`` or ``$BUTTRESS_STORE`` names (:mod:`buttress.cli.pcs.live`).
"""

from __future__ import annotations


def main(argv: list[str]) -> int:
    from buttress.cli.pcs.app import main as app_main

    return app_main(argv)


__all__ = ["main"]
