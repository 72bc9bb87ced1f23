#!/usr/bin/env python3
"""Pass rate of the status renderer on Pacemaker's corpus ("Current cluster status" blocks).

usage: scripts/status_conformance.py [--corpus DIR] [--write-ratchet FILE] [--show-fail]
                                     [--diff] [NAME...]

A case passes when ``render_status`` prints the same lines as the summary's block, under the
rule of ``buttress.conformance.status`` (trailing whitespace stripped, ``ocf::`` -> ``ocf:``).
``bundle-order-partial`` is left out, as for the scheduler's pass rate.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import traceback
from pathlib import Path

from buttress.conformance.corpus import EXCLUDED, Case, case_date, load_manifest
from buttress.conformance.status import (
    normalize_lines,
    render_case_status,
    same_status,
    status_block,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "data" / "pacemaker-cts"


def render_case(case: Case) -> str:
    """The rendered block of one case; raises what the reader or renderer raises."""
    return render_case_status(case.xml, case_date(case))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--write-ratchet", type=Path)
    parser.add_argument("--show-fail", action="store_true", help="print the first difference")
    parser.add_argument("--diff", action="store_true", help="print a full diff per failure")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    cases = [c for c in load_manifest(args.corpus) if c.name not in EXCLUDED]
    if args.names:
        cases = [c for c in cases if c.name in args.names]
    passed: list[str] = []
    for case in cases:
        want = status_block(case.summary.read_text())
        try:
            got = render_case(case)
        except Exception:  # a crash is a failed case, reported below
            if args.show_fail or args.diff:
                print(f"CRASH {case.name}\n{traceback.format_exc()}")
            continue
        if want is not None and same_status(got, want):
            passed.append(case.name)
            continue
        if args.diff and want is not None:
            print(f"FAIL {case.name}")
            sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(
                normalize_lines(want), normalize_lines(got), "want", "got", lineterm=""))
        elif args.show_fail and want is not None:
            a, b = normalize_lines(got), normalize_lines(want)
            for i in range(max(len(a), len(b))):
                left = a[i] if i < len(a) else "<missing>"
                right = b[i] if i < len(b) else "<missing>"
                if left != right:
                    print(f"FAIL {case.name}\n  want: {right!r}\n  got:  {left!r}")
                    break
    total = len(cases)
    print(f"status conformance: {len(passed)}/{total} passed "
          f"({100.0 * len(passed) / max(total, 1):.1f}%)")
    if args.write_ratchet:
        args.write_ratchet.write_text("".join(f"{n}\n" for n in sorted(passed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
