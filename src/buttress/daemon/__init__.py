"""Buttress run for real: node agents, the leader-elected controller, and a local sandbox.

Modules, one concept each:

* :mod:`.records`     - keys and JSON records the daemons write (orders, history, nodes)
* :mod:`.livecib`     - one consistent read of the store -> the live CIB (``fetch_cib``)
* :mod:`.agent`       - the node agent: lease membership, action queue, self-fencing
* :mod:`.localexec`   - a node's resources: real agents, recurring monitors, stop-all
* :mod:`.attributes`  - the store behind crm_attribute/crm_master/attrd_updater
* :mod:`.controller`  - election and the level-triggered reconcile loop
* :mod:`.graphrun`    - running one transition graph (dispatch, wait, fence, abort)
* :mod:`.fencing`     - fencing through the configured devices, recording the fence
* :mod:`.eventlog`    - the append-only start/stop/fence log and the split-brain checker
* :mod:`.sandbox`     - etcd + emulated BMCs + agents on one machine
* :mod:`.view`        - read-only views (where resources run, status summary)

Public API::

    from buttress.daemon import fetch_cib, Sandbox, NodeAgent, Controller
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from buttress.daemon.livecib import fetch_cib

if TYPE_CHECKING:
    from buttress.daemon.agent import NodeAgent
    from buttress.daemon.controller import Controller
    from buttress.daemon.sandbox import Sandbox

__all__ = ["Controller", "NodeAgent", "Sandbox", "fetch_cib"]


def __getattr__(name: str) -> Any:
    if name == "NodeAgent":
        from buttress.daemon.agent import NodeAgent

        return NodeAgent
    if name == "Controller":
        from buttress.daemon.controller import Controller

        return Controller
    if name == "Sandbox":
        from buttress.daemon.sandbox import Sandbox

        return Sandbox
    raise AttributeError(f"module 'buttress.daemon' has no attribute {name!r}")
