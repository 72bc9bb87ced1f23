"""Agent ``meta-data`` XML (OCF resource agents and fence agents) into frozen dataclasses.

``buttress.agents.metadata`` (the pcs CLI's, written in parallel) parses the same XML but
keeps times as written and has no role-aware action lookup; the executors need
milliseconds and ``monitor`` per role, hence this module. Merging the two (one model, the
other module re-exporting it) is a known follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from buttress.errors import ButtressError
from buttress.exec.process import run_process
from buttress.exec.request import AgentSpec, ExecContext
from buttress.timeutil import parse_interval_ms


class MetadataError(ButtressError):
    """An agent's meta-data could not be obtained or is not valid agent meta-data XML."""


@dataclass(frozen=True)
class ParameterInfo:
    """One ``<parameter>``; ``default`` is the ``<content default=...>`` text if any."""

    name: str
    required: bool = False
    unique: bool = False
    unique_group: str | None = None
    reloadable: bool = False
    deprecated: bool = False
    type: str = "string"
    default: str | None = None
    shortdesc: str = ""
    longdesc: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionInfo:
    """One ``<action>``; timeouts and intervals in ms, None when the agent gives none."""

    name: str
    timeout_ms: int | None = None
    interval_ms: int | None = None
    start_delay_ms: int | None = None
    role: str | None = None
    depth: str | None = None


@dataclass(frozen=True)
class AgentMetadata:
    name: str
    version: str | None
    shortdesc: str
    longdesc: str
    parameters: tuple[ParameterInfo, ...]
    actions: tuple[ActionInfo, ...]

    def parameter(self, name: str) -> ParameterInfo | None:
        return next((p for p in self.parameters if p.name == name), None)

    def action(self, name: str, role: str | None = None) -> ActionInfo | None:
        """The action named ``name``; with ``role``, the one for that role if present."""
        matches = [a for a in self.actions if a.name == name]
        if role is not None:
            for candidate in matches:
                if candidate.role == role:
                    return candidate
        return matches[0] if matches else None

    @property
    def required_parameters(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if p.required)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on", "y")


def _text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return " ".join((child.text or "").split()) if child is not None else ""


def _ms(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return parse_interval_ms(value)
    except ValueError:
        return None


def parse_metadata(xml_text: str | bytes) -> AgentMetadata:
    """Parse ``<resource-agent>`` meta-data. Raises :class:`MetadataError` on bad input."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    data = xml_text.encode() if isinstance(xml_text, str) else xml_text
    try:
        root = etree.fromstring(data.strip(), parser)
    except etree.XMLSyntaxError as exc:
        raise MetadataError(f"meta-data is not well-formed XML: {exc}") from exc
    if root.tag != "resource-agent":
        raise MetadataError(f"meta-data root is <{root.tag}>, expected <resource-agent>")
    parameters = []
    for param in root.iterfind("parameters/parameter"):
        content = param.find("content")
        choices: tuple[str, ...] = ()
        if content is not None:
            choices = tuple(o.get("value", "") for o in content.iterfind("option"))
        parameters.append(ParameterInfo(
            name=param.get("name", ""),
            required=_flag(param.get("required")),
            unique=_flag(param.get("unique")),
            unique_group=param.get("unique-group"),
            reloadable=_flag(param.get("reloadable")),
            deprecated=_flag(param.get("deprecated")) or param.find("deprecated") is not None,
            type=content.get("type", "string") if content is not None else "string",
            default=content.get("default") if content is not None else None,
            shortdesc=_text(param, "shortdesc"),
            longdesc=_text(param, "longdesc"),
            choices=choices,
        ))
    actions = tuple(
        ActionInfo(name=a.get("name", ""), timeout_ms=_ms(a.get("timeout")),
                   interval_ms=_ms(a.get("interval")),
                   start_delay_ms=_ms(a.get("start-delay")), role=a.get("role"),
                   depth=a.get("depth"))
        for a in root.iterfind("actions/action"))
    return AgentMetadata(name=root.get("name", ""), version=_text(root, "version") or None,
                         shortdesc=_text(root, "shortdesc"), longdesc=_text(root, "longdesc"),
                         parameters=tuple(parameters), actions=actions)


async def fetch_ocf_metadata(agent: AgentSpec, ctx: ExecContext,
                             timeout_s: float = 10.0) -> AgentMetadata:
    """Run ``<agent> meta-data`` and parse it. Raises :class:`MetadataError`."""
    from buttress.exec.ocf import agent_path, ocf_environment
    from buttress.exec.request import ActionRequest

    if agent.standard != "ocf" or not agent.provider:
        raise MetadataError(f"{agent}: only OCF agents have meta-data here")
    path = agent_path(ctx, agent.provider, agent.type)
    if path is None or not path.is_file():
        raise MetadataError(f"agent {agent} not installed")
    env = ocf_environment(ActionRequest(agent.type, agent, "meta-data"), ctx)
    outcome = await run_process([str(path), "meta-data"], env, timeout_s,
                                keep_bytes=4 * 1024 * 1024)
    if outcome.returncode != 0:
        raise MetadataError(f"{agent} meta-data failed (rc={outcome.returncode})")
    return parse_metadata(outcome.stdout)
