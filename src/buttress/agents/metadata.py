"""Resource and fence agent meta-data: find installed agents, run ``meta-data``, parse it.

The one meta-data model and parser of Buttress: the pcs-compatible CLI and ``cib.edit``
(default operations, instance attribute checks) and the executors (``buttress.exec``,
``buttress.fencing``) all use it. Action times are kept as written (``"20s"``; pcs writes
them verbatim into default operations) and are also available in milliseconds
(:attr:`ActionInfo.timeout_ms`, ...).

Public API (small on purpose):

* :func:`parse_agent_name` -- split ``class:provider:type`` (or ``stonith:fence_x``) text.
* :func:`resolve_agent` -- turn a user's agent text into an :class:`AgentName`, resolving
  short names (``IPaddr2`` -> ``ocf:heartbeat:IPaddr2``) against installed OCF agents, as
  pcs does; an ambiguous or unknown short name is an :class:`AgentError`.
* :func:`agent_path` -- the executable of an installed agent, or None.
* :func:`load_metadata` -- the parsed meta-data of an installed agent, or None when the
  agent is not installed (cached per process; a broken agent is an :class:`AgentError`).
* :func:`parse_metadata` -- parse meta-data XML text (no I/O).
* :meth:`AgentMetadata.action` -- an action by name, preferring the one for a role.

Where agents live: OCF agents under ``$OCF_ROOT/resource.d/PROVIDER/TYPE`` (``OCF_ROOT``
defaults to ``/usr/lib/ocf``; ``BUTTRESS_OCF_ROOT`` overrides it), fence agents as
``/usr/sbin/fence_*`` (``BUTTRESS_FENCE_DIR`` overrides the directory). Only the ``ocf``
and ``stonith`` classes have meta-data here; systemd/lsb/service agents have none (None).
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from buttress.errors import ButtressError
from buttress.timeutil import parse_interval_ms

#: Resource classes Pacemaker knows; ``provider`` is used by ``ocf`` only.
RESOURCE_CLASSES = ("ocf", "lsb", "service", "systemd", "stonith", "nagios", "upstart")

_METADATA_TIMEOUT_S = 15.0


class AgentError(ButtressError):
    """An agent name is malformed, unknown or ambiguous, or its meta-data is unusable.

    ``buttress.exec`` re-exports it as ``MetadataError``.
    """


@dataclass(frozen=True)
class AgentName:
    """A fully qualified agent: ``standard`` (class), ``provider`` (ocf only), ``type``."""

    standard: str
    type: str
    provider: str | None = None

    def __str__(self) -> str:
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


@dataclass(frozen=True)
class ParameterInfo:
    """One ``<parameter>`` of the meta-data.

    ``obsoletes`` names the deprecated parameter this one replaces (fence agents);
    ``deprecated`` marks a parameter kept only for compatibility (the ``deprecated``
    attribute, or OCF 1.1's ``<deprecated>`` element). ``content_type`` and ``default``
    come from ``<content type=... default=...>``; ``choices`` are its ``<option value>``s.
    """

    name: str
    required: bool = False
    unique: bool = False
    deprecated: bool = False
    obsoletes: str | None = None
    content_type: str | None = None
    default: str | None = None
    shortdesc: str = ""
    longdesc: str = ""
    unique_group: str | None = None
    reloadable: bool = False
    choices: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        """The content type, ``"string"`` when the meta-data gives none."""
        return self.content_type or "string"


def _ms(value: str | None) -> int | None:
    """A time as written in meta-data in ms; None when absent, blank or unparsable."""
    if value is None or not value.strip():
        return None
    try:
        return parse_interval_ms(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class ActionInfo:
    """One ``<action>``; times are kept as written (``"20s"``), absent values are None.

    The ``*_ms`` properties give the same times in milliseconds (None when absent or not a
    valid time).
    """

    name: str
    timeout: str | None = None
    interval: str | None = None
    role: str | None = None
    depth: str | None = None
    automatic: bool = True
    start_delay: str | None = None

    @property
    def timeout_ms(self) -> int | None:
        return _ms(self.timeout)

    @property
    def interval_ms(self) -> int | None:
        return _ms(self.interval)

    @property
    def start_delay_ms(self) -> int | None:
        return _ms(self.start_delay)


@dataclass(frozen=True)
class AgentMetadata:
    """Parsed meta-data of one agent.

    ``agent`` is the agent it was obtained from (None when parsed from text alone);
    ``name`` and ``version`` are the meta-data's own (``<resource-agent name=...>``,
    ``<version>``).
    """

    agent: AgentName | None = None
    parameters: tuple[ParameterInfo, ...] = ()
    actions: tuple[ActionInfo, ...] = ()
    shortdesc: str = ""
    longdesc: str = ""
    name: str = ""
    version: str | None = None

    def parameter(self, name: str) -> ParameterInfo | None:
        for param in self.parameters:
            if param.name == name:
                return param
        return None

    def action(self, name: str, role: str | None = None) -> ActionInfo | None:
        """The first action named ``name``; with ``role``, the one for that role if any."""
        matches = [a for a in self.actions if a.name == name]
        if role is not None:
            for candidate in matches:
                if candidate.role == role:
                    return candidate
        return matches[0] if matches else None

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def required_parameters(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if p.required)


def ocf_root() -> Path:
    return Path(os.environ.get("BUTTRESS_OCF_ROOT") or os.environ.get("OCF_ROOT")
                or "/usr/lib/ocf")


def fence_dir() -> Path:
    return Path(os.environ.get("BUTTRESS_FENCE_DIR") or "/usr/sbin")


def parse_agent_name(text: str) -> AgentName:
    """Split ``ocf:heartbeat:IPaddr2``, ``systemd:haproxy``, ``stonith:fence_xvm``.

    Raises AgentError for a malformed full name. A name without ``:`` is returned as
    ``AgentName("", text)``: use :func:`resolve_agent` to resolve it.
    """
    parts = text.split(":")
    if any(not p for p in parts) or len(parts) > 3:
        raise AgentError(f"invalid resource agent name '{text}'")
    if len(parts) == 1:
        return AgentName("", parts[0])
    standard = parts[0]
    if standard not in RESOURCE_CLASSES:
        raise AgentError(f"invalid resource agent name '{text}': unknown class '{standard}'"
                         f" (use one of {', '.join(RESOURCE_CLASSES)})")
    if standard == "ocf":
        if len(parts) != 3:
            raise AgentError(f"invalid resource agent name '{text}': "
                             "ocf agents are written ocf:PROVIDER:TYPE")
        return AgentName("ocf", parts[2], parts[1])
    if len(parts) == 3:
        # systemd/service/lsb types may not contain ':'; stonith has no provider
        raise AgentError(f"invalid resource agent name '{text}': "
                         f"class '{standard}' takes no provider")
    return AgentName(standard, parts[1])


def _ocf_providers() -> list[str]:
    base = ocf_root() / "resource.d"
    try:
        return sorted(p.name for p in base.iterdir() if p.is_dir())
    except OSError:
        return []


def resolve_agent(text: str, *, stonith: bool = False) -> AgentName:
    """Resolve a user's agent text to a full name.

    With ``stonith`` the text is a fence agent name (``fence_xvm`` or ``stonith:fence_xvm``).
    Otherwise a short name is looked up among installed OCF agents of every provider: one
    match resolves it, several are ambiguous (AgentError listing them), none is unknown
    (AgentError asking for the full name).
    """
    if stonith:
        name = text[len("stonith:"):] if text.startswith("stonith:") else text
        if not name or ":" in name:
            raise AgentError(f"invalid stonith agent name '{text}'")
        return AgentName("stonith", name)
    agent = parse_agent_name(text)
    if agent.standard:
        return agent
    matches = [AgentName("ocf", text, prov) for prov in _ocf_providers()
               if _is_executable(ocf_root() / "resource.d" / prov / text)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(f"'{m}'" for m in matches)
        raise AgentError(f"multiple agents match '{text}', give the full name: {listed}")
    raise AgentError(f"unable to find agent '{text}', try specifying its full name")


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def agent_path(agent: AgentName) -> Path | None:
    """The executable of an installed ocf or stonith agent, or None."""
    if agent.standard == "ocf" and agent.provider:
        path = ocf_root() / "resource.d" / agent.provider / agent.type
    elif agent.standard == "stonith":
        if "/" in agent.type:
            return None
        path = fence_dir() / agent.type
    else:
        return None
    return path if _is_executable(path) else None


#: Where systemd unit files are looked for (``systemd:NAME`` agents).
SYSTEMD_UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
                     "/usr/lib/systemd/system")


def systemd_unit_installed(unit: str) -> bool:
    """True when a unit file exists (``BUTTRESS_SYSTEMD_UNIT_DIRS``, colon-separated,
    overrides the directories searched)."""
    name = unit if "." in unit else f"{unit}.service"
    override = os.environ.get("BUTTRESS_SYSTEMD_UNIT_DIRS")
    dirs = override.split(":") if override is not None else SYSTEMD_UNIT_DIRS
    return any(d and (Path(d) / name).is_file() for d in dirs)


def _systemd_metadata(agent: AgentName) -> AgentMetadata:
    """The meta-data Pacemaker documents for every systemd unit: no parameters, start and
    stop with a 100s timeout, a monitor every 60s with a 100s timeout."""
    return AgentMetadata(agent=agent, actions=(
        ActionInfo("start", timeout="100s"),
        ActionInfo("stop", timeout="100s"),
        ActionInfo("monitor", timeout="100s", interval="60s"),
    ), shortdesc=f"systemd unit file for {agent.type}")


def load_metadata(agent: AgentName) -> AgentMetadata | None:
    """Run the installed agent's meta-data action and parse it; None if not installed.

    ``systemd:UNIT`` agents whose unit file exists get the fixed systemd meta-data; other
    classes without meta-data (lsb, service, ...) give None. The built-in
    ``stonith:fence_nova`` (alias ``fence_compute``) has its own, whatever is installed.
    Cached per process (keyed by the agent and its path). Raises AgentError when the
    agent exists but its meta-data cannot be obtained or parsed.
    """
    if agent.standard == "systemd":
        return _systemd_metadata(agent) if systemd_unit_installed(agent.type) else None
    if agent.standard == "stonith" and agent.type in ("fence_nova", "fence_compute"):
        from buttress.openstack.device import builtin_metadata  # built in, never exec'd

        return builtin_metadata(agent.type)
    path = agent_path(agent)
    if path is None:
        return None
    return _load_cached(agent, str(path))


@functools.lru_cache(maxsize=256)
def _load_cached(agent: AgentName, path: str) -> AgentMetadata:
    env = dict(os.environ)
    env["OCF_ROOT"] = str(ocf_root())
    argv = [path, "-o", "metadata"] if agent.standard == "stonith" else [path, "meta-data"]
    try:
        proc = subprocess.run(argv, capture_output=True, env=env, timeout=_METADATA_TIMEOUT_S,
                              check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AgentError(f"cannot run meta-data of agent '{agent}': {exc}") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        raise AgentError(f"agent '{agent}' failed to give its meta-data "
                         f"(exit status {proc.returncode})")
    return parse_metadata(proc.stdout, agent)


def _text(el: etree._Element | None) -> str:
    if el is None or el.text is None:
        return ""
    return " ".join(el.text.split())


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on", "y")


def parse_metadata(data: bytes | str, agent: AgentName | None = None) -> AgentMetadata:
    """Parse ``<resource-agent>`` meta-data XML of ``agent`` (named in errors, kept in the
    result). Parameters and actions without a name are skipped. Raises AgentError when
    the text is not XML or its root is not ``<resource-agent>``."""
    if isinstance(data, str):
        data = data.encode()
    of = f" of agent '{agent}'" if agent is not None else ""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
        root = etree.fromstring(data.strip(), parser)
    except etree.XMLSyntaxError as exc:
        raise AgentError(f"meta-data{of} is not valid XML: {exc.msg}") from None
    if root.tag != "resource-agent":
        raise AgentError(f"meta-data{of} has no <resource-agent> root")
    params: list[ParameterInfo] = []
    for p in root.findall("parameters/parameter"):
        name = p.get("name")
        if not name:
            continue
        content = p.find("content")
        params.append(ParameterInfo(
            name=name,
            required=_flag(p.get("required")),
            unique=_flag(p.get("unique")),
            deprecated=_flag(p.get("deprecated")) or p.find("deprecated") is not None,
            obsoletes=p.get("obsoletes"),
            content_type=content.get("type") if content is not None else None,
            default=content.get("default") if content is not None else None,
            shortdesc=_text(p.find("shortdesc")),
            longdesc=_text(p.find("longdesc")),
            unique_group=p.get("unique-group"),
            reloadable=_flag(p.get("reloadable")),
            choices=(tuple(o.get("value", "") for o in content.findall("option"))
                     if content is not None else ()),
        ))
    actions: list[ActionInfo] = []
    for a in root.findall("actions/action"):
        name = a.get("name")
        if not name:
            continue
        actions.append(ActionInfo(
            name=name,
            timeout=a.get("timeout"),
            interval=a.get("interval"),
            role=a.get("role"),
            depth=a.get("depth"),
            automatic=a.get("automatic", "1") not in ("0", "false"),
            start_delay=a.get("start-delay"),
        ))
    return AgentMetadata(agent=agent, parameters=tuple(params), actions=tuple(actions),
                         shortdesc=_text(root.find("shortdesc")),
                         longdesc=_text(root.find("longdesc")),
                         name=root.get("name", ""),
                         version=_text(root.find("version")) or None)


def clear_cache() -> None:
    """Forget every cached meta-data (tests; agents installed while running)."""
    _load_cached.cache_clear()
