#!/usr/bin/env python3
"""Scheduler benchmark: Buttress vs crm_simulate on the same synthetic CIBs, in one run.

Each case is written to a temp file and both tools run ``-S`` on it as separate processes
(wall time, best of --repeat runs). One line per case:
  scheduler CASE: buttress X.XXs crm_simulate Y.YYs ratio Z.ZZ summaries agree|differ
crm_simulate (Debian pacemaker-cli-utils) is a test oracle only; without it the line says so.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import fresh_start, remote_clones, spread

from buttress.conformance.corpus import summary_block

# name -> (CIB text, node to fail after settling or None for a fresh start)
CASES = {
    "8x200-node-failure": (lambda: spread(nodes=8, resources=200), "node3"),
    "16x500-fresh-start": (lambda: fresh_start(nodes=16, resources=500), None),
    "3+50-remote-clones": (lambda: remote_clones(controllers=3, remotes=50), None),
    "3+150-remote-clones": (lambda: remote_clones(controllers=3, remotes=150), None),
}


def _settle(path: Path, tool: list[str], failed: str) -> None:
    """Run the start-up transition (recording results and digests), then crash ``failed``.

    The reference tool settles the cluster when it is installed, so that the operation
    digests in the history are the ones it expects; the crash is then injected the same
    way for both tools.
    """
    subprocess.run([*tool, "-x", str(path), "-S", "-Q", "-O", str(path)], check=True,
                   capture_output=True)
    text = path.read_text()
    from lxml import etree

    from buttress.simulate.inject import node_fail

    root = etree.fromstring(text.encode())
    node_fail(root, failed)
    path.write_bytes(etree.tostring(root))


def _run(cmd: list[str], repeat: int) -> tuple[float, str, int]:
    """Best wall time over ``repeat`` runs, the last output and the worst exit status."""
    best = float("inf")
    out = ""
    worst = 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        out = proc.stdout
        worst = worst or proc.returncode
    return best, out, worst


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    buttress = shutil.which("buttress") or str(Path(sys.executable).parent / "buttress")
    crm = shutil.which("crm_simulate")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            path = Path(tmp) / f"{name}.xml"
            build, failed = CASES[name]
            path.write_text(build())
            if failed is not None:
                _settle(path, [crm] if crm else [buttress, "simulate"], failed)
            ours, our_out, our_rc = _run([buttress, "simulate", "-x", str(path), "-S", "-Q"],
                                         args.repeat)
            if our_rc != 0:
                print(f"scheduler {name}: buttress failed (exit {our_rc})", flush=True)
                continue
            if crm is None:
                print(f"scheduler {name}: buttress {ours:.2f}s crm_simulate n/a "
                      f"(pacemaker-cli-utils not installed)")
                continue
            theirs, their_out, their_rc = _run([crm, "-x", str(path), "-S"], args.repeat)
            if their_rc != 0:
                # a reference run that crashed or was stopped gives no ratio
                print(f"scheduler {name}: buttress {ours:.2f}s crm_simulate did not finish "
                      f"(exit {their_rc} after {theirs:.2f}s)", flush=True)
                continue
            agree = summary_block(our_out) == summary_block(their_out)
            print(f"scheduler {name}: buttress {ours:.2f}s crm_simulate {theirs:.2f}s "
                  f"ratio {ours / theirs:.2f} summaries {'agree' if agree else 'differ'}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
