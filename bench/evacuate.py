"""Benchmark: time from a compute host's failure to all its 8 VMs ACTIVE elsewhere.

Starts a real Nova 34 (API, conductor, scheduler, placement, host1..host3 on the fake
driver; .venv-nova is built if missing), boots 8 VMs on host1, crashes host1 and runs the
evacuation engine (policy all, scheduler-chosen targets). The clock starts at the crash
(fencing is taken as instantaneous) and stops when the engine has confirmed every VM
ACTIVE on another host; Nova is then asked independently. Last line:
``evacuation: 8 VMs recovered in X.XXs``.

usage: .venv/bin/python bench/evacuate.py [--vms 8] [--parallel 8] [--poll 0.1]
                                          [--land-stopped]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "openstack"))

from iha_box import NovaBox, ensure_nova_venv  # noqa: E402
from iha_scene import boot, evacuations, flavor, where  # noqa: E402

from buttress.openstack import (  # noqa: E402
    EvacuationConfig,
    EvacuationEngine,
    EventLog,
    FenceEvent,
    InMemoryJournal,
    SdkNova,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=8)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--poll", type=float, default=0.1)
    parser.add_argument("--land-stopped", action="store_true",
                        help="evacuate at 2.95 (lands SHUTOFF, then started) instead of "
                             "rebuilding running instances running (keep_running)")
    args = parser.parse_args()
    ensure_nova_venv()
    with tempfile.TemporaryDirectory(prefix="buttress-bench-") as tmp:
        box = NovaBox(Path(tmp), hosts=3)
        try:
            return run(box, args)
        finally:
            box.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_requests(nova: SdkNova) -> Counter[str]:
    """Count the engine's Nova requests by method and resource (observation only)."""
    calls: Counter[str] = Counter()
    real = nova._request

    def counted(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        path = url.split("?", 1)[0].strip("/").split("/")
        kind = path[0] + ("/<id>/" + path[2] if len(path) > 2 else "/<id>" if len(path) > 1
                          and path[1] != "detail" else "/" + path[1] if len(path) > 1 else "")
        calls[f"{method} {kind}"] += 1
        return real(method, url, *args, **kwargs)

    nova._request = counted  # type: ignore[method-assign]
    return calls


def run(box: NovaBox, args: argparse.Namespace) -> int:
    print(f"nova started in {box.startup_s:.2f}s (port {box.port})")
    conn = box.connect()
    fl = flavor(conn, "bench")
    t = time.monotonic()
    vms = boot(conn, "host1", [(f"vm{i}", fl, "ACTIVE", True) for i in range(args.vms)])
    print(f"booted {len(vms)} VMs on host1 in {time.monotonic() - t:.2f}s")
    nova = SdkNova(box.credentials())
    nova.compute_service("host1")  # authenticate and discover before the clock starts
    calls = count_requests(nova)
    log = EventLog()
    config = EvacuationConfig(max_parallel=args.parallel, poll_interval_s=args.poll,
                              keep_running=not args.land_stopped)

    async def recover() -> dict[str, object]:
        async with EvacuationEngine(nova, InMemoryJournal(), config, events=log) as engine:
            box.crash("host1")
            report = await engine.recover(FenceEvent("host1", time.time()))
            return report.to_json()

    cpu0, start = cpu_seconds(box.proc.pid), time.monotonic()
    data = asyncio.run(recover())
    elapsed = time.monotonic() - start
    nova_cpu = cpu_seconds(box.proc.pid) - cpu0
    print(f"nova busy {nova_cpu:.2f}s CPU of {elapsed:.2f}s wall; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("nova requests: " + ", ".join(f"{n} {what}" for what, n in calls.most_common()))
    states = [where(conn, vm) for vm in vms]
    ok = all(host not in (None, "host1") and status == "ACTIVE" for host, status, _ in states)
    once = all(len(evacuations(conn, vm)) == 1 for vm in vms)
    for event in log.events:
        if event.kind.startswith(("host.", "instance.")):
            print(f"  +{event.at - data['host']['fenced_at']:6.2f}s {event}")  # type: ignore[index]
    recovery = sorted(i["recovery_s"] for i in data["instances"])  # type: ignore[attr-defined]
    print(json.dumps({"recovered": data["recovered"], "failed": data["failed"],
                      "per_vm_recovery_s": recovery, "all_active_elsewhere": ok,
                      "each_evacuated_once": once}))
    if not (ok and once and data["recovered"] == len(vms)):
        print("evacuation: FAILED", file=sys.stderr)
        return 1
    print(f"evacuation: {len(vms)} VMs recovered in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
