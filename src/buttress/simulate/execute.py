"""Run a transition with fake handlers: every action succeeds unless told to fail."""

from __future__ import annotations

from lxml import etree

from buttress.cib.reader import cib_from_element
from buttress.model.cib import Cib, inherited_instance, iter_primitives
from buttress.scheduler.digests import primitive_digest
from buttress.simulate.inject import OpSpec, StatusWriter, node_state
from buttress.transition.graph import Transition, TransitionAction

Element = etree._Element


def _fails(action: TransitionAction, failures: list[OpSpec]) -> int | None:
    for spec in failures:
        if action.resource is None or action.node != spec.node:
            continue
        names = {action.resource, (action.lrm_id or action.resource)}
        base = action.resource.split(":", 1)[0]
        names.add(base)
        if spec.resource in names and spec.task == action.task and \
                spec.interval_ms == action.interval_ms:
            return spec.rc
    return None


def execute(root: Element, transition: Transition, now: int,
            failures: list[OpSpec] | None = None, cib: Cib | None = None) -> list[TransitionAction]:
    """Apply the transition's actions to the tree; return the actions in execution order.

    Results carry the operation digest of the configuration they ran with, as a real
    executor records them, so that a later run sees no definition change.
    """
    config = (cib or cib_from_element(root)).configuration
    primitives = {p.id: p for p in iter_primitives(config.resources)}
    inherited = inherited_instance(config.resources)
    done: list[TransitionAction] = []
    writer = StatusWriter(root, implicit=True)
    for action in transition.actions:
        done.append(action)
        if action.task == "stonith" and action.node is not None:
            _fence(root, action.node, action.fence_action or "reboot")
            continue
        if action.pseudo or action.resource is None or action.node is None:
            continue
        if action.task in ("running", "stopped", "notify", "notified", "promoted", "demoted"):
            continue
        rc = _fails(action, failures or [])
        if rc is None:
            rc = action.target_rc
        if action.task == "promote" and rc == 0:
            pass
        prim = primitives.get(action.resource.split(":", 1)[0])
        op_digest = (primitive_digest(prim, action.task, action.interval_ms, now,
                                      inherited.get(prim.id, ()))
                     if prim is not None else None)
        writer.record(action.node, action.lrm_id or action.resource, action.task,
                      action.interval_ms, rc, now, target_rc=action.target_rc,
                      op_digest=op_digest, agent=action.agent)
    return done


def _fence(root: Element, uname: str, how: str) -> None:
    state = node_state(root, uname, implicit=True)
    state.attrib.update({"in_ccm": "false", "crmd": "offline", "join": "down",
                         "expected": "down"})
    for child in list(state):
        if child.tag in ("lrm", "transient_attributes"):
            state.remove(child)
