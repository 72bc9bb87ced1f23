"""Failover benchmark: SIGKILL the node that runs the most, time until all run elsewhere.

A real sandbox (etcd, emulated IPMI BMCs, node agents with embedded controllers, real
``ocf:pacemaker:Dummy`` agents, fencing through /usr/sbin/fence_ipmilan) with 3 nodes and
20 resources. Each run kills the process group of the node running the most resources
(its agent, and its controller candidate, which may be the leader), then polls the store
until every resource is confirmed started on a surviving node (its start result is in
the history) and the victim's fencing is recorded. The victim's BMC power-cycles it, it
rejoins, and the next run starts from the settled cluster.

    .venv/bin/python bench/failover.py [--runs 5] [--resources 20] [--lease-ttl 2]
        [--separate-controllers]

Last line: ``failover: median X.XXs max Y.YYs over N runs``; before it the peak RSS
(VmHWM) of an agent and of the controller (embedded: the leader's process minus a
non-leader's is the controller's share; ``--separate-controllers`` measures them apart).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from buttress.daemon.livecib import Snapshot
from buttress.daemon.sandbox import Sandbox
from buttress.daemon.view import roles


def config(resources: int) -> bytes:
    prims = "".join(
        f'<primitive id="r{i:02d}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<operations><op id="r{i:02d}-mon" name="monitor" interval="5s" timeout="10s"/>'
        f'</operations></primitive>' for i in range(1, resources + 1))
    return (
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        '<configuration><crm_config/><nodes/>'
        f'<resources>{prims}</resources><constraints/>'
        '<rsc_defaults><meta_attributes id="d"><nvpair id="d-s" name="resource-stickiness" '
        'value="100"/></meta_attributes></rsc_defaults></configuration></cib>').encode()


def peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def placement(snap: Snapshot, names: list[str]) -> dict[str, list[str]]:
    found = roles(snap)
    return {name: sorted(found.get(name, {})) for name in names}


def one_run(sb: Sandbox, names: list[str]) -> tuple[float, str, bool]:
    sb.wait_for(lambda s: all(n in s.members for n in sb.nodes), 90, "every node to join")
    snap = sb.wait_stable(90)
    where = placement(snap, names)
    counts = {node: sum(1 for nodes in where.values() if nodes == [node]) for node in sb.nodes}
    victim = max(sb.nodes, key=lambda n: (counts[n], n))
    was_leader = (snap.leader or "").split(":", 1)[0] == victim
    killed = time.time()
    sb.kill(victim)
    while True:
        snap = sb.snapshot()
        fenced = float(str(snap.fencing.get(victim, {}).get("ts", 0))) > killed
        where = placement(snap, names)
        if fenced and all(len(n) == 1 and n[0] != victim for n in where.values()):
            return time.time() - killed, victim, was_leader
        if time.time() - killed > 60:
            raise SystemExit(f"failover of {victim} did not complete within 60s: {where}")
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resources", type=int, default=20)
    parser.add_argument("--lease-ttl", type=int, default=2)
    parser.add_argument("--separate-controllers", action="store_true")
    parser.add_argument("--dir", type=Path, default=None,
                        help="keep the sandbox (logs, events) in DIR instead of a temp dir")
    args = parser.parse_args(argv)
    names = [f"r{i:02d}" for i in range(1, args.resources + 1)]
    with tempfile.TemporaryDirectory(prefix="buttress-bench-") as tmp_dir:
        tmp = str(args.dir) if args.dir is not None else tmp_dir
        separate = args.separate_controllers
        sb = Sandbox(tmp, 3, lease_ttl=args.lease_ttl, config=config(args.resources),
                     embedded_controllers=not separate, controllers=2 if separate else 0)
        times: list[float] = []
        agent_rss: list[int] = []
        controller_rss: list[int] = []
        try:
            began = time.monotonic()
            sb.up()
            print(f"sandbox up in {time.monotonic() - began:.1f}s: 3 nodes, "
                  f"{args.resources} Dummy resources, lease {args.lease_ttl}s", flush=True)
            for run in range(1, args.runs + 1):
                snap = sb.wait_stable(90)
                leader = (snap.leader or "").split(":", 1)[0]
                for node in sb.nodes:
                    rss = peak_rss_kib(sb.pgid(node))
                    (controller_rss if node == leader and not separate else agent_rss
                     ).append(rss)
                for pid in sb.controller_pids.values():
                    controller_rss.append(peak_rss_kib(pid))
                took, victim, was_leader = one_run(sb, names)
                times.append(took)
                print(f"run {run}: killed {victim}{' (the leader)' if was_leader else ''}; "
                      f"all {args.resources} resources running elsewhere after {took:.2f}s",
                      flush=True)
        finally:
            sb.down()
    agent_peak = max(agent_rss, default=0)
    ctl_peak = max(controller_rss, default=0)
    if separate:
        print(f"peak RSS: agent {agent_peak / 1024:.1f} MiB, controller "
              f"{ctl_peak / 1024:.1f} MiB")
    else:
        print(f"peak RSS: agent {agent_peak / 1024:.1f} MiB (non-leader node process), "
              f"controller {ctl_peak / 1024:.1f} MiB (leader node process: agent + "
              f"controller, the controller's share ~{(ctl_peak - agent_peak) / 1024:.1f} MiB)")
    print(f"failover: median {statistics.median(times):.2f}s max {max(times):.2f}s "
          f"over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
