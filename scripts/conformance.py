#!/usr/bin/env python3
"""Pass rate of `buttress simulate` on Pacemaker's scheduler corpus, per upstream test group.

usage: scripts/conformance.py [--corpus DIR] [--write-ratchet FILE] [--show-fail] [NAME...]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from buttress.conformance.corpus import EXCLUDED, load_manifest, summary_block
from buttress.conformance.run import run_case

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "data" / "pacemaker-cts"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--write-ratchet", type=Path)
    parser.add_argument("--show-fail", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    cases = [c for c in load_manifest(args.corpus) if c.name not in EXCLUDED]
    if args.names:
        cases = [c for c in cases if c.name in args.names]
    per_group: dict[int, list[bool]] = defaultdict(list)
    passed: list[str] = []
    for case in cases:
        got = run_case(case)
        want = summary_block(case.summary.read_text())
        ok = got is not None and got == want
        per_group[case.group].append(ok)
        if ok:
            passed.append(case.name)
        elif args.show_fail:
            print(f"FAIL {case.name}\n  want: {want}\n  got:  {got}")
    for group in sorted(per_group):
        results = per_group[group]
        print(f"group {group:>3}: {sum(results):>3}/{len(results):<3}")
    total = sum(len(r) for r in per_group.values())
    print(f"conformance: {len(passed)}/{total} passed ({100.0 * len(passed) / max(total, 1):.1f}%)")
    if args.write_ratchet:
        args.write_ratchet.write_text("".join(f"{n}\n" for n in sorted(passed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
