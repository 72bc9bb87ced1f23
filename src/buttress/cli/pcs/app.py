"""Dispatcher of the pcs-compatible commands: options, help, load, run, save atomically.

With ``-f FILE`` a command edits the file; without it, the live cluster named by
``--store``/``$BUTTRESS_STORE`` (see :mod:`buttress.cli.pcs.live`)."""

from __future__ import annotations

import sys

from buttress.cib.edit.document import CibDocument
from buttress.cli.pcs import (  # noqa: F401  (registers the commands)
    cmd_cluster,
    cmd_constraint,
    cmd_node,
    cmd_resource,
    cmd_stonith,
)
from buttress.cli.pcs.options import split_options
from buttress.cli.pcs.registry import (
    COMMANDS,
    Context,
    check_options,
    command_help,
    group_help,
    lookup,
)
from buttress.errors import ButtressError, UsageError

NO_CLUSTER = ("no cluster is reachable: no store is configured; pass --store HOST:PORT or "
              "set $BUTTRESS_STORE, or use -f CIB_FILE to work on a CIB file")

#: What a bare group word runs (``buttress constraint`` = ``constraint config``).
GROUP_DEFAULTS = {"resource": "resource config", "constraint": "constraint config",
                  "stonith": "stonith config", "property": "property config",
                  "node": "node attribute"}

GROUPS = ("resource", "constraint", "stonith", "property", "node", "cluster", "status",
          "config")


def main(argv: list[str]) -> int:
    """Run one pcs-style command line (global options included). Returns the exit status;
    user mistakes raise ButtressError subclasses (the console entry point prints them)."""
    opts, words = split_options(argv)
    if not words:
        if opts.help:
            sys.stdout.write(group_help(()))
            return 0
        raise UsageError("missing command; try 'buttress --help'")
    cmd, length = lookup(words)
    if opts.help:
        if cmd is not None and length == len(words):
            sys.stdout.write(command_help(cmd) if len(cmd.path) > 1 or not _has_children(
                cmd.path) else group_help(cmd.path))
        elif cmd is not None and not _has_children(tuple(words[:length])):
            sys.stdout.write(command_help(cmd))
        else:
            prefix = tuple(words[:_known_prefix(words)])
            if not prefix:
                raise UsageError(f"unknown command '{words[0]}'")
            sys.stdout.write(group_help(prefix))
        return 0
    if cmd is None and len(words) == 1 and words[0] in GROUP_DEFAULTS:
        cmd, length = lookup(GROUP_DEFAULTS[words[0]].split())
        length = 1
    if cmd is None:
        if words[0] in GROUPS or _known_prefix(words):
            raise UsageError(f"unknown command '{' '.join(words[:2])}'; "
                             f"try 'buttress {words[0]} --help'")
        raise UsageError(f"unknown command '{words[0]}'; try 'buttress --help'")
    check_options(cmd, opts)
    if not cmd.needs_cib:
        ctx = Context(opts, CibDocument.from_bytes(b"<cib><configuration/></cib>"))
        cmd.handler(ctx, words[length:])
        return 0
    if opts.file is None:
        from buttress.cli.pcs import live

        target = live.target_of(opts)
        if target is None:
            raise ButtressError(NO_CLUSTER)
        live.run(cmd, opts, words[length:], target)
        return 0
    if "--store" in opts.values or "--cluster" in opts.values:
        raise UsageError("--store and --cluster act on a live cluster; they cannot be "
                         "combined with -f")
    doc = CibDocument.load(opts.file)
    ctx = Context(opts, doc)
    cmd.handler(ctx, words[length:])
    if ctx.modified:
        doc.bump_epoch()
        doc.save(opts.file)
    return 0


def _has_children(prefix: tuple[str, ...]) -> bool:
    return any(len(k) > len(prefix) and k[:len(prefix)] == prefix for k in COMMANDS)


def _known_prefix(words: list[str]) -> int:
    length = 0
    for n in range(1, len(words) + 1):
        if _has_children(tuple(words[:n])):
            length = n
    return length
