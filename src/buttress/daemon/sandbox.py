"""A whole Buttress cluster on one machine: etcd, one emulated BMC and one agent per node.

Layout under the sandbox directory::

    sandbox.json            what ``buttress sandbox kill/partition/status/down`` need
    etcd/, etcd.log         the local etcd (buttress.store.EtcdServer)
    net/                    the per-node TCP proxy to etcd (partitions) and its ports
    bmc.password            the BMCs' password (mode 0600; never printed)
    events.jsonl            start/stop/fence events of every daemon (invariant checks)
    nodes/<node>/           the node: agent.log, bmc.log, pgid, power, run/ (its /run)

Each node's agent (with its embedded controller candidate) runs in its own process
group, whose id is in ``nodes/<node>/pgid``; the node's BMC SIGKILLs that group on power
off and starts a fresh agent on power on (a reboot through ``fence_ipmilan``). Agents are
started with ``--wipe-run-dir``, so a power cycle forgets the node's Dummy/Stateful state
files like a reboot forgets /run. Agents reach etcd through the node's proxy port, so
:meth:`Sandbox.partition` cuts exactly one node off. Resource agent scripts run in
sessions of their own (the executor kills a timed-out action's whole group), so a power
off kills the node's daemons, not an agent script in flight.

Every process started here is recorded (pid or process group) and killed by
:meth:`Sandbox.down`; tests use the class as a context manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from buttress.daemon.eventlog import Violation, check_invariant, read_events
from buttress.daemon.livecib import Snapshot, build_cib, cib_bytes, read_snapshot
from buttress.daemon.records import DaemonKeys
from buttress.daemon.sandboxconfig import sandbox_cib
from buttress.daemon.view import roles, summary
from buttress.errors import ButtressError
from buttress.store import StoreError

STATE_FILE = "sandbox.json"


class SandboxError(ButtressError):
    """The sandbox could not be set up or driven."""


def _kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    if pgid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_file(path: Path, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        if proc is not None and proc.poll() is not None:
            raise SandboxError(f"a sandbox process exited with {proc.returncode} during "
                               f"start (see the logs next to {path})")
        time.sleep(0.05)
    raise SandboxError(f"timed out waiting for {path}")


class Sandbox:
    """See the module docstring. ``nodes`` is a count (n1..nN) or a list of names."""

    def __init__(self, directory: str | Path, nodes: int | list[str] = 3, *,
                 cluster: str = "sandbox", lease_ttl: int = 2, config: bytes | None = None,
                 embedded_controllers: bool = True, controllers: int = 0,
                 python: str | None = None) -> None:
        self.dir = Path(directory).resolve()
        self.nodes = [f"n{i}" for i in range(1, nodes + 1)] if isinstance(nodes, int) \
            else list(nodes)
        self.cluster = cluster
        self.lease_ttl = lease_ttl
        self.config_source = config
        self.embedded_controllers = embedded_controllers
        self.controller_count = controllers
        self.python = python or sys.executable
        self.keys = DaemonKeys.of(cluster)
        self.etcd: Any = None
        self.endpoint = ""
        self.etcd_pid = 0
        self.proxy_pid = 0
        self.proxy_ports: dict[str, int] = {}
        self.bmc_pids: dict[str, int] = {}
        self.bmc_ports: dict[str, int] = {}
        self.controller_pids: dict[str, int] = {}
        self.password = ""

    # -- paths -------------------------------------------------------------------------

    def node_dir(self, node: str) -> Path:
        return self.dir / "nodes" / node

    @property
    def events_path(self) -> Path:
        return self.dir / "events.jsonl"

    def pgid(self, node: str) -> int:
        try:
            return int((self.node_dir(node) / "pgid").read_text().strip())
        except (OSError, ValueError):
            return 0

    # -- commands ----------------------------------------------------------------------

    def _buttress(self, *args: str) -> list[str]:
        return [self.python, "-m", "buttress.cli.main", *args]

    def agent_command(self, node: str) -> list[str]:
        cmd = self._buttress(
            "agent", "--node", node, "--store", f"127.0.0.1:{self.proxy_ports[node]}",
            "--cluster", self.cluster, "--state-dir", str(self.node_dir(node)),
            "--lease-ttl", str(self.lease_ttl), "--events", str(self.events_path),
            "--log-file", str(self.node_dir(node) / "agent.log"), "--wipe-run-dir")
        if not self.embedded_controllers:
            cmd.append("--no-controller")
        return cmd

    def controller_command(self, name: str) -> list[str]:
        return self._buttress(
            "controller", "--name", name, "--store", self.endpoint, "--cluster", self.cluster,
            "--lease-ttl", str(self.lease_ttl), "--events", str(self.events_path),
            "--log-file", str(self.dir / f"{name}.log"))

    def _spawn(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    # -- up / down ---------------------------------------------------------------------

    def up(self, timeout: float = 90.0) -> None:
        """Start everything, load the configuration, return once the cluster is stable."""
        from buttress.store.etcd_server import EtcdServer

        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.etcd = EtcdServer(self.dir / "etcd")
            self.etcd.start()
            self.endpoint = self.etcd.endpoint
            self.etcd_pid = self.etcd.process.pid if self.etcd.process else 0
            self._save()
            self._start_proxy()
            self.password = secrets.token_urlsafe(12)
            pw_file = self.dir / "bmc.password"
            pw_file.write_text(self.password + "\n")
            pw_file.chmod(0o600)
            for node in self.nodes:
                self.node_dir(node).mkdir(parents=True, exist_ok=True)
                self._start_bmc(node)
            self._save()
            for node in self.nodes:
                self.start_agent(node)
            for index in range(self.controller_count):
                self.start_controller(f"ctl{index + 1}")
            self._save()
            self.wait_for(lambda s: all(n in s.members for n in self.nodes), timeout,
                          "every node agent to join")
            self.load_config(self.config_source)
            self.wait_stable(timeout)
        except BaseException:
            self.down()
            raise

    def _start_proxy(self) -> None:
        net = self.dir / "net"
        net.mkdir(exist_ok=True)
        ports = net / "ports.json"
        ports.unlink(missing_ok=True)
        proc = self._spawn([self.python, "-m", "buttress.daemon.netproxy", "--target",
                            self.endpoint, "--nodes", ",".join(self.nodes), "--ports-file",
                            str(ports), "--control", str(net / "partitioned")],
                           net / "proxy.log")
        self.proxy_pid = proc.pid
        self.proxy_ports = {k: int(v) for k, v in json.loads(_wait_file(ports, 20, proc)).items()}

    def _start_bmc(self, node: str) -> None:
        ndir = self.node_dir(node)
        port_file = ndir / "bmc.port"
        port_file.unlink(missing_ok=True)
        proc = self._spawn([
            self.python, "-m", "buttress.fencing.bmc", "--port", "0", "--port-file",
            str(port_file), "--user", "admin", "--password-file", str(self.dir / "bmc.password"),
            "--pgid-file", str(ndir / "pgid"), "--state-file", str(ndir / "power"),
            "--power-on-command", shlex.join(self.agent_command(node))], ndir / "bmc.log")
        self.bmc_pids[node] = proc.pid
        self.bmc_ports[node] = int(_wait_file(port_file, 20, proc))

    def start_agent(self, node: str) -> int:
        """Start the node's agent in a new process group; records and returns its pgid."""
        proc = self._spawn(self.agent_command(node), self.node_dir(node) / "agent.out")
        (self.node_dir(node) / "pgid").write_text(f"{proc.pid}\n")
        return proc.pid

    def start_controller(self, name: str) -> int:
        proc = self._spawn(self.controller_command(name), self.dir / f"{name}.out")
        self.controller_pids[name] = proc.pid
        self._save()
        return proc.pid

    def load_config(self, source: bytes | None) -> None:
        """Store the configuration built from ``source`` (see :mod:`.sandboxconfig`)."""
        self.put_config(sandbox_cib(source, self.nodes, self.bmc_ports, self.password))

    def put_config(self, xml: bytes) -> None:
        self._store_call(lambda store: store.put(self.keys.layout.config(), xml))

    def down(self) -> None:
        """Kill every process of the sandbox (SIGKILL; nothing is left running)."""
        for node in self.nodes:
            _kill_group(self.pgid(node))
        for pid in [*self.bmc_pids.values(), *self.controller_pids.values(), self.proxy_pid]:
            _kill_group(pid)
        for node in self.nodes:  # a BMC may have powered a node on meanwhile
            _kill_group(self.pgid(node))
        if self.etcd is not None:
            self.etcd.kill()
        elif self.etcd_pid:
            _kill_group(self.etcd_pid)
        self.bmc_pids.clear()
        self.controller_pids.clear()
        self.proxy_pid = 0
        self.etcd_pid = 0

    def __enter__(self) -> Sandbox:
        self.up()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.down()

    # -- faults ------------------------------------------------------------------------

    def kill(self, node: str) -> None:
        """Power loss without the BMC noticing: SIGKILL the node's process group."""
        pgid = self.pgid(node)
        if not pgid:
            raise SandboxError(f"node {node} has no running agent")
        _kill_group(pgid)

    def kill_controller(self, name: str) -> None:
        pid = self.controller_pids.get(name)
        if pid is None:
            raise SandboxError(f"no controller {name}")
        _kill_group(pid)

    def partition(self, node: str, cut: bool = True) -> None:
        """Cut ``node`` off from etcd (or heal it with ``cut=False``)."""
        if node not in self.nodes:
            raise SandboxError(f"unknown node {node}")
        control = self.dir / "net" / "partitioned"
        current = set(control.read_text().split()) if control.exists() else set()
        current = current | {node} if cut else current - {node}
        control.write_text("\n".join(sorted(current)) + "\n")
        if not self.proxy_pid or not _alive(self.proxy_pid):
            raise SandboxError("the sandbox network proxy is not running")
        os.kill(self.proxy_pid, signal.SIGUSR1)

    # -- state -------------------------------------------------------------------------

    def _store_call(self, call: Callable[[Any], Any]) -> Any:
        from buttress.store import EtcdStore

        async def body() -> Any:
            store = EtcdStore(self.endpoint, timeout=3)
            try:
                return await call(store)
            finally:
                await store.close()

        return asyncio.run(body())

    def snapshot(self) -> Snapshot:
        result: Snapshot = self._store_call(lambda s: read_snapshot(s, self.keys))
        return result

    def cib(self, redact: bool = True) -> bytes:
        return cib_bytes(build_cib(self.snapshot(), redact=redact))

    def summary(self) -> dict[str, Any]:
        return summary(self.snapshot(), self.nodes)

    def where(self, rsc: str) -> dict[str, str]:
        """``{node: role}`` where the resource is active now."""
        return roles(self.snapshot()).get(rsc, {})

    def wait_for(self, predicate: Callable[[Snapshot], bool], timeout: float, what: str
                 ) -> Snapshot:
        deadline = time.monotonic() + timeout
        last_error = ""
        while True:
            try:
                snap = self.snapshot()
                if predicate(snap):
                    return snap
            except StoreError as error:
                last_error = f" (last error: {error})"
            if time.monotonic() > deadline:
                raise SandboxError(f"timed out after {timeout:g}s waiting for {what}"
                                   f"{last_error}")
            time.sleep(0.1)

    def wait_stable(self, timeout: float = 60.0) -> Snapshot:
        """Until the leader's last pass said "no change needed" and nothing changed since
        (no key but the controller's bookkeeping was written after that pass)."""

        def stable(snap: Snapshot) -> bool:
            sentence = str(snap.controller_status.get("sentence", ""))
            return sentence.startswith("no change needed") and not snap.queued and \
                snap.status_revision > snap.last_change
        return self.wait_for(stable, timeout, "the cluster to settle")

    def events(self) -> list[dict[str, Any]]:
        return read_events(self.events_path)

    def violations(self) -> list[Violation]:
        """Split-brain violations in the event log (single-instance and promoted roles)."""
        from buttress.cib.reader import parse_cib
        from buttress.daemon.resources import index_primitives

        snap = self.snapshot()
        if snap.config is None:
            return []
        index = index_primitives(parse_cib(snap.config))
        single = [rid for rid, res in index.items() if not res.in_clone]
        promotable = [rid for rid, res in index.items() if res.in_clone and
                      res.meta.get("promotable", "").lower() in ("true", "1", "yes", "on")]
        return check_invariant(self.events(), single, promotable)

    # -- persistence for the CLI -------------------------------------------------------

    def _save(self) -> None:
        data = {"cluster": self.cluster, "nodes": self.nodes, "lease_ttl": self.lease_ttl,
                "endpoint": self.endpoint, "etcd_pid": self.etcd_pid,
                "proxy_pid": self.proxy_pid, "proxy_ports": self.proxy_ports,
                "bmc_pids": self.bmc_pids, "bmc_ports": self.bmc_ports,
                "controller_pids": self.controller_pids,
                "embedded_controllers": self.embedded_controllers}
        tmp = self.dir / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.dir / STATE_FILE)

    @classmethod
    def load(cls, directory: str | Path) -> Sandbox:
        path = Path(directory) / STATE_FILE
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            raise SandboxError(f"no sandbox in {directory} ({path} missing)") from None
        sandbox = cls(directory, list(data["nodes"]), cluster=data["cluster"],
                      lease_ttl=int(data["lease_ttl"]),
                      embedded_controllers=bool(data.get("embedded_controllers", True)))
        sandbox.endpoint = data["endpoint"]
        sandbox.etcd_pid = int(data.get("etcd_pid", 0))
        sandbox.proxy_pid = int(data.get("proxy_pid", 0))
        sandbox.proxy_ports = {k: int(v) for k, v in data.get("proxy_ports", {}).items()}
        sandbox.bmc_pids = {k: int(v) for k, v in data.get("bmc_pids", {}).items()}
        sandbox.bmc_ports = {k: int(v) for k, v in data.get("bmc_ports", {}).items()}
        sandbox.controller_pids = {k: int(v) for k, v in data.get("controller_pids",
                                                                    {}).items()}
        return sandbox
