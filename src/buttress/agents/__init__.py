"""Resource and fence agents: names, installed executables and their meta-data."""

from buttress.agents.metadata import (
    ActionInfo,
    AgentError,
    AgentMetadata,
    AgentName,
    ParameterInfo,
    agent_path,
    load_metadata,
    parse_agent_name,
    parse_metadata,
    resolve_agent,
)

__all__ = [
    "ActionInfo",
    "AgentError",
    "AgentMetadata",
    "AgentName",
    "ParameterInfo",
    "agent_path",
    "load_metadata",
    "parse_agent_name",
    "parse_metadata",
    "resolve_agent",
]
