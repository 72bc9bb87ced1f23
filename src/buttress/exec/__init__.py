"""Executors: run one resource action (OCF, LSB, systemd, Python) and report an ActionResult.

Typical node-agent use::

    bin_dir = install_helper_bin(state / "bin")
    backend = InMemoryAttributeBackend()            # the node agent: a store-backed one
    async with AttributeServer(backend, state / "attrd.sock", "node1"):
        ctx = ExecContext("node1", state / "rsctmp", helper_bin=bin_dir,
                          attrd_socket=state / "attrd.sock")
        result = await Executor(ctx).run(ActionRequest.build(
            "db", "ocf:pacemaker:Stateful", "start", timeout_s=20))

Agent meta-data: the model and parser are :mod:`buttress.agents.metadata`'s, re-exported
here (``MetadataError`` is its ``AgentError``); :func:`fetch_ocf_metadata` runs an agent's
``meta-data`` action the executor's way (the node's OCF root and environment).
"""

from buttress.agents.metadata import (
    ActionInfo,
    AgentMetadata,
    ParameterInfo,
    parse_metadata,
)
from buttress.agents.metadata import AgentError as MetadataError
from buttress.exec.attrd import (
    AttributeBackend,
    AttributeChannelError,
    AttributeServer,
    InMemoryAttributeBackend,
    NodeInfo,
    ResourcePlacement,
)
from buttress.exec.executor import Executor
from buttress.exec.helperbin import install_helper_bin
from buttress.exec.native import AgentFailure, PythonAgentContext, PythonAgentRegistry
from buttress.exec.ocf import fetch_ocf_metadata
from buttress.exec.request import ActionRequest, AgentSpec, ExecContext
from buttress.exec.result import ActionResult, OcfRc, parse_exit_reason, rc_meaning
from buttress.exec.systemd import systemd_available

__all__ = [
    "ActionInfo",
    "ActionRequest",
    "ActionResult",
    "AgentFailure",
    "AgentMetadata",
    "AgentSpec",
    "AttributeBackend",
    "AttributeChannelError",
    "AttributeServer",
    "ExecContext",
    "Executor",
    "InMemoryAttributeBackend",
    "MetadataError",
    "NodeInfo",
    "OcfRc",
    "ParameterInfo",
    "PythonAgentContext",
    "PythonAgentRegistry",
    "ResourcePlacement",
    "fetch_ocf_metadata",
    "install_helper_bin",
    "parse_exit_reason",
    "parse_metadata",
    "rc_meaning",
    "systemd_available",
]
