"""The command table: each pcs-style command path maps to a handler, a usage and its options.

Handlers are registered with :func:`command` and called with a :class:`Context` and the
words after the command path. A handler that changes the CIB sets ``ctx.modified``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from buttress.cib.edit.document import CibDocument
from buttress.cli.pcs.options import Options
from buttress.errors import UsageError

#: Options every command accepts.
COMMON_OPTIONS = frozenset({"-f", "--force", "--debug", "--help", "-h", "--wait", "--quiet",
                            "--store", "--cluster"})


@dataclass
class Context:
    """One command's run: options, the document (loaded by the dispatcher), output."""

    opts: Options
    doc: CibDocument
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    modified: bool = False

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def warn(self, text: str) -> None:
        self.err.write(f"buttress: warning: {text}\n")


Handler = Callable[[Context, list[str]], None]


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    handler: Handler
    usage: str
    summary: str
    options: frozenset[str] = frozenset()
    needs_cib: bool = True


#: Where a command acts: a CIB file, or the live cluster's store.
_WHERE = "[-f CIB_FILE | --store HOST:PORT [--cluster NAME]]"

COMMANDS: dict[tuple[str, ...], Command] = {}
GROUP_SUMMARIES: dict[str, str] = {}


def command(path: str, usage: str, summary: str, options: tuple[str, ...] = (),
            aliases: tuple[str, ...] = (), needs_cib: bool = True
            ) -> Callable[[Handler], Handler]:
    """Register a handler under ``path`` (words separated by spaces) and its aliases."""

    def register(func: Handler) -> Handler:
        cmd = Command(tuple(path.split()), func, usage, summary, frozenset(options), needs_cib)
        for each in (path, *aliases):
            COMMANDS[tuple(each.split())] = cmd
        return func

    return register


def lookup(words: list[str]) -> tuple[Command | None, int]:
    """The longest registered path that prefixes ``words``, and its length."""
    for length in range(min(len(words), 4), 0, -1):
        cmd = COMMANDS.get(tuple(words[:length]))
        if cmd is not None:
            return cmd, length
    return None, 0


def check_options(cmd: Command, opts: Options) -> None:
    for name in opts.given:
        if name not in COMMON_OPTIONS and name not in cmd.options and not (
                name in ("--output", "--output-format") and "--output" in cmd.options):
            raise UsageError(f"option '{name}' is not supported by "
                             f"'{' '.join(cmd.path)}'")


def group_help(prefix: tuple[str, ...]) -> str:
    """Usage lines of every command under ``prefix`` (primary names only)."""
    lines = []
    for key, cmd in sorted(COMMANDS.items()):
        if key[:len(prefix)] != prefix or len(key) == len(prefix) or key != cmd.path:
            continue
        lines.append(f"  {cmd.usage}\n      {cmd.summary}")
    title = " ".join(prefix) if prefix else "buttress"
    return (f"usage: buttress {_WHERE} {title} ...\n\ncommands:\n" + "\n".join(lines)
            + "\n")


def command_help(cmd: Command) -> str:
    return f"usage: buttress {_WHERE} {cmd.usage}\n\n{cmd.summary}\n"


def take_word(words: list[str], what: str) -> str:
    """Pop the first word or raise a UsageError naming what is missing."""
    if not words:
        raise UsageError(f"missing {what}")
    return words.pop(0)


def no_more(words: list[str]) -> None:
    if words:
        raise UsageError(f"unexpected argument '{words[0]}'")
