"""Configurations and checks shared by the daemon tests."""

from __future__ import annotations

from collections.abc import Callable

from buttress.daemon.livecib import Snapshot
from buttress.daemon.sandbox import Sandbox
from buttress.daemon.view import roles

SandboxFactory = Callable[..., Sandbox]

HEAD = """<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opt-stonith" name="stonith-enabled" value="true"/>
    </cluster_property_set></crm_config>
    <nodes/>
    <resources>
"""
TAIL = """    </resources>
    <constraints>{constraints}</constraints>
    <rsc_defaults><meta_attributes id="defaults">
      <nvpair id="stickiness" name="resource-stickiness" value="100"/>
    </meta_attributes></rsc_defaults>
    {extra}
  </configuration>
</cib>"""


def dummy(rsc_id: str, interval: str = "1s", meta: str = "", params: str = "") -> str:
    meta_xml = f'<meta_attributes id="{rsc_id}-meta">{meta}</meta_attributes>' if meta else ""
    params_xml = (f'<instance_attributes id="{rsc_id}-params">{params}</instance_attributes>'
                  if params else "")
    return (f'<primitive id="{rsc_id}" class="ocf" provider="pacemaker" type="Dummy">'
            f'{params_xml}{meta_xml}<operations><op id="{rsc_id}-mon" name="monitor" '
            f'interval="{interval}" timeout="10s"/></operations></primitive>\n')


def nv(owner: str, name: str, value: str) -> str:
    return f'<nvpair id="{owner}-{name}" name="{name}" value="{value}"/>'


def cib(resources: str, constraints: str = "", extra: str = "") -> bytes:
    return (HEAD + resources + TAIL.format(constraints=constraints, extra=extra)).encode()


def active_on(snap: Snapshot, rsc: str) -> list[str]:
    return sorted(roles(snap).get(rsc, {}))


def runs_once(rsc: str, avoid: str | None = None):  # type: ignore[no-untyped-def]
    def check(snap: Snapshot) -> bool:
        where = active_on(snap, rsc)
        return len(where) == 1 and where[0] != avoid and not snap.queued
    return check


def assert_safe(sandbox: Sandbox) -> None:
    """The invariant checker over every recorded start/stop/fence event."""
    events = sandbox.events()
    assert any(e["kind"] == "start" for e in events), "no start was recorded at all"
    violations = sandbox.violations()
    assert not violations, "\n".join(str(v) for v in violations)


def first(events: list[dict[str, object]], **match: object) -> dict[str, object]:
    for event in events:
        if all(event.get(k) == v for k, v in match.items()):
            return event
    raise AssertionError(f"no event {match}")
