"""Parsing of ``resource create`` / ``stonith create`` / ``resource update`` words.

The pcs layout: ``ID AGENT [NAME=VALUE...] [op ACTION NAME=VALUE... [ACTION ...]]
[meta NAME=VALUE...] [clone [CLONE_ID] [NAME=VALUE...] | promotable [CLONE_ID] [...]]``.
pcs 0.9's ``--clone`` and ``--master`` (kept in place by the option splitter) act like
``clone`` and ``promotable``; ``--master`` names the clone ``ID-master`` as pcs 0.9 did.
``meta`` after ``clone``/``promotable`` gives meta attributes of the clone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buttress.cib.edit.operations import OpSpec
from buttress.cib.edit.values import split_pair
from buttress.errors import UsageError

_WRAPPERS = {"clone": ("clone", "clone"), "--clone": ("clone", "clone"),
             "promotable": ("promotable", "clone"), "master": ("promotable", "master"),
             "--master": ("promotable", "master")}
_KEYWORDS = frozenset({"op", "meta", "bundle", *_WRAPPERS})


@dataclass
class ParsedResource:
    instance: list[tuple[str, str]] = field(default_factory=list)
    ops: list[OpSpec] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)
    wrapper: str | None = None
    wrapper_id: str | None = None
    wrapper_suffix: str = "clone"
    wrapper_meta: list[tuple[str, str]] = field(default_factory=list)


def _pair(token: str, what: str) -> tuple[str, str]:
    pair = split_pair(token)
    if pair is None or not pair[0]:
        raise UsageError(f"invalid {what} '{token}': expected name=value")
    return pair


def parse_resource_words(words: list[str], allow_wrapper: bool = True) -> ParsedResource:
    """Split the words after ``ID AGENT`` into instance attributes, ops, meta, wrapper."""
    parsed = ParsedResource()
    section = "instance"
    current: OpSpec | None = None
    i = 0
    while i < len(words):
        token = words[i]
        i += 1
        if token == "op":
            section, current = "op", None
            continue
        if token == "meta":
            section = "wrapper" if parsed.wrapper else "meta"
            continue
        if token == "bundle":
            raise UsageError("bundles are not supported by 'resource create' yet")
        if token in _WRAPPERS:
            if not allow_wrapper:
                raise UsageError(f"'{token}' is not accepted here")
            if parsed.wrapper is not None:
                raise UsageError("give only one of clone and promotable")
            parsed.wrapper, parsed.wrapper_suffix = _WRAPPERS[token]
            section = "wrapper"
            if i < len(words) and "=" not in words[i] and words[i] not in _KEYWORDS:
                parsed.wrapper_id = words[i]
                i += 1
            continue
        if section == "instance":
            parsed.instance.append(_pair(token, "resource option"))
        elif section == "meta":
            parsed.meta.append(_pair(token, "meta attribute"))
        elif section == "wrapper":
            parsed.wrapper_meta.append(_pair(token, "clone option"))
        else:
            pair = split_pair(token)
            if pair is None:
                current = OpSpec(token)
                parsed.ops.append(current)
            elif current is None:
                raise UsageError(f"missing operation name before '{token}' (op ACTION "
                                 "NAME=VALUE...)")
            else:
                if not pair[0]:
                    raise UsageError(f"invalid operation option '{token}'")
                current.options.append(pair)
    if section == "op" and not parsed.ops:
        raise UsageError("'op' needs an operation: op ACTION NAME=VALUE...")
    return parsed
