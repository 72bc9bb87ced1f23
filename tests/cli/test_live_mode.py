"""Live mode: without ``-f`` the pcs-compatible commands act on a cluster's store (etcd).

One real etcd per test module (free loopback ports, a temporary directory, so xdist
workers never share one); every test uses a cluster name of its own on it. The
configuration is stored the way the daemons read it: the whole ``<cib>`` XML at
``KeyLayout(cluster).config()``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from buttress.cli.main import main
from buttress.store import KeyLayout, KeyValue
from buttress.store.etcd import EtcdStore
from buttress.store.etcd_server import EtcdServer, find_etcd, free_port

pytestmark = pytest.mark.etcd

SECRET = "s3cr3t-Pa55"
FENCE_PRIMITIVE = f"""<primitive id="fence-1" class="stonith" type="fence_fake">
  <instance_attributes id="fence-1-ia">
    <nvpair id="fence-1-ia-ip" name="ip" value="10.0.0.1"/>
    <nvpair id="fence-1-ia-password" name="password" value="{SECRET}"/>
  </instance_attributes>
</primitive>"""


@pytest.fixture(scope="module")
def etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    try:
        find_etcd()
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.skip(str(error))
    server = EtcdServer(tmp_path_factory.mktemp("etcd") / "data")
    server.start()
    yield server
    server.stop()


def _call(endpoint: str, body: Callable[[EtcdStore], object]) -> object:
    async def go() -> object:
        store = EtcdStore(endpoint, timeout=5)
        try:
            return await body(store)  # type: ignore[misc]
        finally:
            await store.close()

    return asyncio.run(go())


@dataclass
class Result:
    rc: int
    out: str
    err: str


@dataclass
class Live:
    """One cluster on the module's etcd, and a runner of ``buttress`` command lines on it."""

    endpoint: str
    cluster: str
    capsys: pytest.CaptureFixture[str]

    @property
    def key(self) -> str:
        return KeyLayout(self.cluster).config()

    def put(self, xml: str | bytes) -> None:
        _call(self.endpoint, lambda s: s.put(self.key, xml))

    def put_member(self, node: str) -> None:
        _call(self.endpoint, lambda s: s.put(KeyLayout(self.cluster).member(node), "{}"))

    def kv(self) -> KeyValue | None:
        found = _call(self.endpoint, lambda s: s.get(self.key))
        assert found is None or isinstance(found, KeyValue)
        return found

    def xml(self) -> etree._Element:
        kv = self.kv()
        assert kv is not None
        return etree.fromstring(kv.value)

    def run(self, command: str, *, store: bool = True) -> Result:
        argv = shlex.split(command)
        if store:
            argv = ["--store", self.endpoint, "--cluster", self.cluster, *argv]
        self.capsys.readouterr()
        rc = main(argv)
        captured = self.capsys.readouterr()
        return Result(rc, captured.out, captured.err)

    def ok(self, command: str) -> Result:
        result = self.run(command)
        assert result.rc == 0, result.err
        return result


@pytest.fixture
def live(etcd: EtcdServer, capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch, start_cib: str) -> Live:
    for name in ("BUTTRESS_STORE", "BUTTRESS_CLUSTER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BUTTRESS_STORE_TIMEOUT", "2")
    cluster = Live(etcd.endpoint, f"t{uuid.uuid4().hex[:10]}", capsys)
    cluster.put(start_cib)
    return cluster


def _ids(root: etree._Element, xpath: str) -> list[str]:
    return [str(el.get("id")) for el in root.xpath(xpath)]


def test_edits_change_the_stored_cib(live: Live) -> None:
    before = live.kv()
    assert before is not None
    live.ok("resource create vip VIP ip=192.0.2.10 op monitor interval=5s")
    live.ok("resource create db DB promotable")
    live.ok("constraint colocation add vip with db-clone INFINITY")
    live.ok("constraint order promote db-clone then start vip")
    live.ok("constraint location vip prefers node-1=50")
    live.ok("property set stonith-enabled=false")
    root = live.xml()
    assert _ids(root, "//resources/primitive") == ["vip"]
    assert _ids(root, "//resources/clone") == ["db-clone"]
    assert root.xpath("//nvpair[@name='ip']/@value") == ["192.0.2.10"]
    assert len(root.xpath("//constraints/rsc_colocation[@rsc='vip'][@with-rsc='db-clone']")) == 1
    assert len(root.xpath("//constraints/rsc_order[@first='db-clone'][@then='vip']")) == 1
    assert root.xpath("//rsc_location[@rsc='vip']/@node") == ["node-1"]
    assert root.xpath("//crm_config//nvpair[@name='stonith-enabled']/@value") == ["false"]
    assert int(str(root.get("epoch"))) == 4 + 6  # one epoch per change, as offline
    kv = live.kv()
    assert kv is not None and kv.mod_revision > before.mod_revision
    # the read-only commands read it back from the store
    assert "Resource: vip (class=ocf provider=heartbeat type=VIP)" in \
        live.ok("resource config").out
    assert "resource 'vip' with resource 'db-clone'" in live.ok("constraint config").out
    assert "stonith-enabled=false" in live.ok("property config").out
    assert "Cluster Nodes: node-1 node-2" in live.ok("config").out


def test_bad_input_leaves_the_store_unchanged(live: Live) -> None:
    live.ok("resource create a VIP ip=1")
    before = live.kv()
    assert before is not None
    for line, code in (("resource create a VIP ip=2", 1), ("resource create z Nope", 1),
                       ("constraint order a then", 2), ("resource delete ghost", 1),
                       ("property set --node ghost x=1", 1),
                       ("constraint location a rule score=x osprole eq c", 1)):
        result = live.run(line)
        assert result.rc == code, (line, result.err)
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("buttress: error: "), result.err
        after = live.kv()
        assert after is not None
        assert (after.value, after.mod_revision) == (before.value, before.mod_revision), line


def test_a_concurrent_write_is_not_lost(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer changes the configuration while the command edits it: the
    transaction fails, the command runs again on the new configuration, both survive,
    and the command's output is printed once."""
    from buttress.cib.edit import properties

    real = properties.set_properties
    calls: list[int] = []

    def racing(doc: object, pairs: object, force: bool = False) -> None:
        calls.append(1)
        if len(calls) == 1:
            current = live.xml()
            etree.SubElement(current.find("configuration/resources"), "primitive",
                             id="sneaky", **{"class": "ocf", "provider": "heartbeat",
                                             "type": "VIP"})
            # from another thread: as another process would, with its own event loop
            writer = threading.Thread(target=live.put, args=(etree.tostring(current),))
            writer.start()
            writer.join()
        real(doc, pairs, force)  # type: ignore[arg-type]

    monkeypatch.setattr(properties, "set_properties", racing)
    result = live.ok("property set no-quorum-policy=stop")
    assert len(calls) == 2
    root = live.xml()
    assert _ids(root, "//resources/primitive") == ["sneaky"]
    assert root.xpath("//nvpair[@name='no-quorum-policy']/@value") == ["stop"]
    assert result.out == "" and result.err == ""


def test_concurrent_processes_lose_no_update(live: Live, tmp_path: Path) -> None:
    env = {**os.environ, "BUTTRESS_STORE": live.endpoint, "BUTTRESS_CLUSTER": live.cluster,
           "BUTTRESS_STORE_TIMEOUT": "5"}
    script = "import sys; from buttress.cli.main import main; sys.exit(main(sys.argv[1:]))"
    procs = [subprocess.Popen([sys.executable, "-c", script, "node", "attribute", "node-1",
                               f"k{i}=v{i}"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(6)]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    names = live.xml().xpath("//node[@uname='node-1']//nvpair/@name")
    assert sorted(names) == [f"k{i}" for i in range(6)]
    assert int(str(live.xml().get("epoch"))) == 4 + 6


def test_status_and_config_show_the_live_cluster_without_secrets(live: Live,
                                                                start_cib: str) -> None:
    live.put(start_cib.replace("<resources/>", f"<resources>{FENCE_PRIMITIVE}</resources>"))
    live.put_member("node-1")
    live.ok("resource create vip VIP ip=1")
    text = live.ok("status").out
    assert text.startswith("Leader: none\nLast pass: -\n\n")
    assert "* Node List:" in text
    assert "Online: [ node-1 ]" in text and "OFFLINE: [ node-2 ]" in text
    assert "* vip\t(ocf:heartbeat:VIP):\t Stopped" in text
    data = json.loads(live.ok("status --output json").out)
    assert data["nodes"] == {"node-1": "online", "node-2": "offline"}
    assert data["resources"] == {} and data["leader"] is None
    for line in ("status", "status --output json", "config", "stonith config",
                 "resource config fence-1", "cluster cib", "config --output json"):
        out = live.ok(line).out
        assert SECRET not in out, line
    assert "password=******" in live.ok("stonith config").out
    cib = live.ok("cluster cib").out
    assert "<status>" in cib and 'uname="node-1"' in cib
    # a change elsewhere keeps the stored password
    live.ok("resource create vip2 VIP ip=2")
    assert live.xml().xpath("//nvpair[@name='password']/@value") == [SECRET]


def test_cib_round_trip_keeps_secrets_and_refuses_stale_pushes(live: Live, tmp_path: Path,
                                                              start_cib: str) -> None:
    live.put(start_cib.replace("<resources/>", f"<resources>{FENCE_PRIMITIVE}</resources>"))
    saved = tmp_path / "saved.xml"
    live.ok(f"cluster cib {saved}")
    assert SECRET not in saved.read_text() and "******" in saved.read_text()
    assert main(["-f", str(saved), "resource", "create", "x", "VIP", "ip=9"]) == 0
    live.ok(f"cluster cib-push {saved}")
    root = live.xml()
    assert _ids(root, "//resources/primitive") == ["fence-1", "x"]
    assert root.xpath("//nvpair[@name='password']/@value") == [SECRET]
    assert root.find("status") is None
    live.ok("resource create y VIP ip=10")
    before = live.kv()
    result = live.run(f"cluster cib-push {saved}")
    assert result.rc == 1 and "older than the cluster's configuration" in result.err
    after = live.kv()
    assert before is not None and after is not None
    assert after.mod_revision == before.mod_revision
    # a masked value with nothing stored behind it is refused
    fresh = tmp_path / "fresh.xml"
    fresh.write_text(start_cib.replace('epoch="4"', 'epoch="99"').replace(
        "<resources/>", FENCE_PRIMITIVE.replace('id="fence-1', 'id="fence-9').replace(
            SECRET, "******").join(("<resources>", "</resources>"))))
    result = live.run(f"cluster cib-push {fresh}")
    assert result.rc == 1 and "refusing to store the masked value" in result.err


def test_first_write_creates_the_configuration(live: Live) -> None:
    _call(live.endpoint, lambda s: s.delete(live.key))
    live.put_member("ctl-b")
    live.put_member("ctl-a")
    result = live.run("config")
    assert result.rc == 1 and "no configuration in the store" in result.err
    live.ok("property set stonith-enabled=false")
    root = live.xml()
    assert [n.get("uname") for n in root.iter("node")] == ["ctl-a", "ctl-b"]
    assert root.xpath("//nvpair[@name='stonith-enabled']/@value") == ["false"]


def test_endpoint_from_the_environment(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUTTRESS_STORE", live.endpoint)
    monkeypatch.setenv("BUTTRESS_CLUSTER", live.cluster)
    result = live.run("resource create e VIP ip=3", store=False)
    assert result.rc == 0, result.err
    assert _ids(live.xml(), "//resources/primitive") == ["e"]


def test_unreachable_or_missing_store_is_one_line(live: Live, cib: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUTTRESS_STORE_TIMEOUT", "0.5")
    dead = f"127.0.0.1:{free_port()}"
    for line in ("resource create a VIP ip=1", "status", "config"):
        result = live.run(f"--store {dead} {line}", store=False)
        assert result.rc == 1, result.err
        lines = result.err.strip().splitlines()
        assert len(lines) == 1, result.err
        assert lines[0].startswith(f"buttress: error: no cluster is reachable: etcd at {dead}")
    result = live.run("status", store=False)
    assert result.rc == 1
    assert result.err.strip().splitlines() == [
        "buttress: error: no cluster is reachable: no store is configured; pass --store "
        "HOST:PORT or set $BUTTRESS_STORE, or use -f CIB_FILE to work on a CIB file"]
    result = live.run(f"-f {cib} --store {live.endpoint} config", store=False)
    assert result.rc == 2 and "cannot be combined with -f" in result.err
    # -f wins over the environment: the offline mode is unchanged
    monkeypatch.setenv("BUTTRESS_STORE", dead)
    assert live.run(f"-f {cib} resource create off VIP ip=4", store=False).rc == 0
    assert "off" in cib.read_text()


def test_cleanup_is_refused_live(live: Live) -> None:
    result = live.run("resource cleanup")
    assert result.rc == 1 and "not supported on the live cluster" in result.err
