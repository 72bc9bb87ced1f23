"""Load corpus cases and compare Transition Summary blocks the way the corpus README says."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

EXCLUDED = frozenset({"bundle-order-partial"})


@dataclass(frozen=True)
class Case:
    name: str
    group: int
    description: str
    extra_args: tuple[str, ...]
    xml: Path
    summary: Path


def load_manifest(root: Path) -> list[Case]:
    cases = []
    lines = (root / "manifest.tsv").read_text().splitlines()
    for line in lines[1:]:
        parts = line.split("\t")
        while len(parts) < 4:
            parts.append("")
        name, group, description, extra = parts[:4]
        cases.append(Case(name=name, group=int(group), description=description,
                          extra_args=tuple(shlex.split(extra)),
                          xml=root / "xml" / f"{name}.xml",
                          summary=root / "summary" / f"{name}.summary"))
    return cases


def summary_block(text: str) -> str | None:
    """The squeezed block between the two headers, or None without a summary header."""
    start = text.find("Transition Summary:")
    if start < 0:
        return None
    end = text.find("Executing Cluster Transition:", start)
    block = text[start + len("Transition Summary:"): end if end >= 0 else len(text)]
    block = block.replace("ocf::", "ocf:")
    return re.sub(r"\s+", " ", block).strip()


def case_date(case: Case) -> str | None:
    args = list(case.extra_args)
    for i, arg in enumerate(args):
        if arg in ("-t", "--set-datetime") and i + 1 < len(args):
            return args[i + 1]
    return None
