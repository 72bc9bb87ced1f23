"""Guest nodes (``remote-node`` meta) and containers (``container`` meta) in the scheduler."""

from __future__ import annotations

from buttress.cib.reader import parse_cib
from buttress.scheduler import schedule
from buttress.scheduler.unpack import unpack

NOW = 1_700_000_000

_HEAD = """<cib have-quorum="1" validate-with="pacemaker-3.0" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config>
<cluster_property_set id="p">
  <nvpair id="p1" name="stonith-enabled" value="{stonith}"/>
</cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources>
  <primitive id="vm" class="ocf" provider="heartbeat" type="VirtualDomain">
    <meta_attributes id="vm-m"><nvpair id="vm-m1" name="remote-node" value="guest1"/>
    </meta_attributes>
  </primitive>
  <primitive id="app" class="ocf" provider="pacemaker" type="Dummy">
    <meta_attributes id="app-m"><nvpair id="app-m1" name="container" value="vm"/>
    </meta_attributes>
  </primitive>
  <clone id="c"><primitive id="cl" class="ocf" provider="pacemaker" type="Dummy"/></clone>
</resources><constraints/></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
<lrm id="1"><lrm_resources>{n1_history}</lrm_resources></lrm></node_state>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
{guest_state}
</status></cib>"""


def _op(rsc: str, task: str, rc: int, call: int, interval: int = 0,
        rsc_type: str = "VirtualDomain", provider: str = "heartbeat") -> str:
    return (f'<lrm_resource id="{rsc}" class="ocf" provider="{provider}" type="{rsc_type}">'
            f'<lrm_rsc_op id="{rsc}_{task}_{interval}" operation="{task}" call-id="{call}" '
            f'rc-code="{rc}" op-status="0" interval="{interval}" '
            f'transition-key="1:1:0:x" op-digest="{_NO_PARAMS}"/></lrm_resource>')


#: the digest of no parameters: these resources' definitions did not change
_NO_PARAMS = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _cib(n1_history: str = "", guest_state: str = "", stonith: str = "false") -> str:
    return _HEAD.format(n1_history=n1_history, guest_state=guest_state, stonith=stonith)


def _lines(xml: str) -> list[str]:
    return [" ".join(line.render().split()) for line in schedule(parse_cib(xml), NOW).summary]


def test_guest_node_is_a_node_counted_by_clones() -> None:
    cluster = unpack(parse_cib(_cib()), NOW)
    guest = cluster.node_by_name["guest1"]
    assert guest.kind == "guest"
    assert guest.attrs["#kind"] == "container"
    assert cluster.by_id["c"].extra["clone_max"] == 3
    conn = cluster.by_id["guest1"]
    assert conn.agent == "ocf:pacemaker:remote"
    assert conn.params == {}   # its digests were computed over no parameters


def test_filler_starts_with_its_guest_container_on_the_guest() -> None:
    # as crm_simulate decides: a filler of a container that carries a guest node runs on
    # that guest, and the clone has an instance for the guest too
    assert _lines(_cib()) == ["* Start vm ( n1 )", "* Start app ( guest1 )",
                              "* Start cl:0 ( n2 )", "* Start cl:1 ( guest1 )",
                              "* Start cl:2 ( n1 )", "* Start guest1 ( n1 )"]


def test_failed_container_resets_its_guest() -> None:
    history = (_op("vm", "start", 0, 2) .replace("</lrm_resource>", "")
               + '<lrm_rsc_op id="vm_monitor_10000" operation="monitor" call-id="3" '
               'rc-code="7" op-status="0" interval="10000" transition-key="1:1:0:x"/>'
               '</lrm_resource>'
               + _op("guest1", "start", 0, 4, rsc_type="remote", provider="pacemaker"))
    guest = ('<node_state id="guest1" uname="guest1" remote_node="true"><lrm id="guest1">'
             '<lrm_resources>' + _op("app", "start", 0, 2, rsc_type="Dummy",
                                     provider="pacemaker")
             + '</lrm_resources></lrm></node_state>')
    lines = _lines(_cib(history, guest))
    assert lines[0] == "* Fence (reboot) guest1 (resource: vm) 'guest is unclean'"
    assert "* Recover vm ( n1 )" in lines
    assert "* Recover app ( guest1 )" in lines


def test_failed_filler_restarts_its_container() -> None:
    """Default on-fail of a resource with ``container`` is restart-container; a failed stop
    of such a filler counts as done (the container's restart stops it)."""
    for task, rc, want in (("monitor", 7, "* Recover app ( n1 )"),
                           ("stop", 1, "* Start app ( n1 )")):
        interval = 10000 if task == "monitor" else 0
        history = (_op("vm", "start", 0, 2)
                   + _op("app", "start", 0, 2, rsc_type="Dummy", provider="pacemaker")
                   .replace("</lrm_resource>", "")
                   + f'<lrm_rsc_op id="app_{task}" operation="{task}" call-id="3" '
                   f'rc-code="{rc}" op-status="0" interval="{interval}" '
                   'transition-key="1:1:0:x"/></lrm_resource>')
        # no guest node this time: the filler runs beside its container
        lines = _lines(_cib(history).replace('name="remote-node" value="guest1"',
                                             'name="target-role" value="Started"'))
        assert "* Restart vm ( n1 )" in lines
        assert want in lines


def test_resource_active_on_a_member_that_left_fences_it() -> None:
    """With fencing enabled, a member that is down but whose history says a resource runs
    there is fenced, naming that resource (as crm_simulate decides)."""
    xml = _cib(stonith="true").replace(
        '<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" '
        'expected="member"/>',
        '<node_state id="2" uname="n2" in_ccm="false" crmd="offline" join="down" '
        'expected="down"><lrm id="2"><lrm_resources>'
        + _op("cl", "start", 0, 2, rsc_type="Dummy", provider="pacemaker")
        + "</lrm_resources></lrm></node_state>")
    xml = xml.replace("<resources>",
                      '<resources><primitive id="fd" class="stonith" type="fence_xvm"/>')
    assert _lines(xml) == ["* Fence (reboot) n2 'cl:0 is thought to be active there'",
                           "* Start fd ( n1 )", "* Start vm ( n1 )", "* Start app ( guest1 )",
                           "* Move cl:0 ( n2 -> guest1 )", "* Start cl:1 ( n1 )",
                           "* Start guest1 ( n1 )"]
