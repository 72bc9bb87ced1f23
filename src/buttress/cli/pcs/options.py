"""Global and flag options of the pcs-compatible command line.

pcs accepts its ``--options`` anywhere on the line (``pcs --force stonith create ...`` and
``pcs resource create ... --force`` alike). :func:`split_options` takes them out and leaves
the positional words in order. Two pcs 0.9 options are positional in effect and stay in
place: ``--clone`` and ``--master`` (what follows them are clone options), so
``resource create`` can read them like the ``clone``/``promotable`` keywords.
Negative numbers and ``-INFINITY`` are words, not options; ``--`` ends the options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from buttress.errors import UsageError

#: Options that take a value (``--group G`` or ``--group=G``).
VALUE_OPTIONS = frozenset({
    "-f", "--output", "--output-format", "--group", "--before", "--after", "--node",
    "--wait", "--name", "--lifetime", "--id", "--store", "--cluster",
})
#: Flags (no value).
FLAG_OPTIONS = frozenset({
    "--force", "--debug", "--full", "--disabled", "--no-default-ops", "--all", "--config",
    "--help", "-h", "--promoted", "--agent-validation", "--quiet", "--future", "--defaults",
    "--strict", "--safe", "--no-strict", "--brief", "--hide-inactive", "--local",
    "--monitor", "--skip-offline",
})
#: pcs 0.9 options that stay in place among the words.
POSITIONAL_OPTIONS = frozenset({"--clone", "--master"})

_NEGATIVE = re.compile(r"^-(\d+|INFINITY|inf)$", re.IGNORECASE)


@dataclass
class Options:
    """What the global options said. ``given`` lists every option name seen."""

    file: str | None = None
    force: bool = False
    output: str = "text"
    help: bool = False
    flags: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)
    given: list[str] = field(default_factory=list)

    def flag(self, name: str) -> bool:
        return name in self.flags

    def value(self, name: str) -> str | None:
        return self.values.get(name)


def split_options(argv: list[str]) -> tuple[Options, list[str]]:
    """Separate options from words. Raises UsageError for an unknown option or a missing
    value."""
    opts = Options()
    words: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if token == "--":
            words.extend(argv[i:])
            break
        if not token.startswith("-") or token == "-" or _NEGATIVE.match(token):
            words.append(token)
            continue
        if token in POSITIONAL_OPTIONS:
            words.append(token)
            continue
        name, eq, inline = token.partition("=")
        if name.startswith("-f") and not name.startswith("--") and len(name) > 2:
            name, inline, eq = "-f", token[2:], "="
        if name in VALUE_OPTIONS:
            if eq:
                value = inline
            elif name == "--wait":
                value = ""
            elif i < len(argv):
                value = argv[i]
                i += 1
            else:
                raise UsageError(f"option '{name}' needs a value")
            opts.values[name] = value
            opts.given.append(name)
        elif name in FLAG_OPTIONS and not eq:
            opts.flags.add(name)
            opts.given.append(name)
        else:
            raise UsageError(f"unknown option '{token}'")
    opts.file = opts.values.get("-f")
    if opts.file == "":
        raise UsageError("option '-f' needs a file name")
    opts.force = "--force" in opts.flags
    opts.help = "--help" in opts.flags or "-h" in opts.flags
    output = opts.values.get("--output") or opts.values.get("--output-format") or "text"
    if output == "cmd":
        raise UsageError("--output cmd is not supported; use text or json")
    if output not in ("text", "json"):
        raise UsageError(f"unknown output format '{output}': use text or json")
    opts.output = output
    return opts, words
