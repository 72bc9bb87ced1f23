"""Name/value pair sets (instance_attributes, meta_attributes, cluster_property_set, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.rules import Rule


@dataclass(frozen=True)
class NvSet:
    """One set of name/value pairs, optionally guarded by a rule.

    Among several sets of the same kind, higher ``score`` wins for a name defined twice;
    ``pairs`` keeps document order (the first definition of a name in one set wins).
    """

    id: str
    pairs: tuple[tuple[str, str], ...] = ()
    score: int = 0
    rule: Rule | None = None

    def get(self, name: str) -> str | None:
        for key, value in self.pairs:
            if key == name:
                return value
        return None


def merge_unruled(sets: tuple[NvSet, ...]) -> dict[str, str]:
    """Flatten sets that carry no rule, highest score first, first definition winning."""
    merged: dict[str, str] = {}
    for nvset in sorted(sets, key=lambda s: -s.score):
        if nvset.rule is not None:
            continue
        for key, value in nvset.pairs:
            merged.setdefault(key, value)
    return merged
