"""What to run (AgentSpec, ActionRequest) and where (ExecContext: one node's settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

STANDARDS = ("ocf", "lsb", "systemd", "service", "python")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class AgentSpec:
    """``standard[:provider]:type``; ``provider`` is only meaningful (and required) for OCF."""

    standard: str
    type: str
    provider: str | None = None

    @classmethod
    def parse(cls, text: str) -> AgentSpec:
        """Parse ``ocf:pacemaker:Dummy``, ``lsb:ssh``, ``systemd:nginx``, ``python:name``.

        Raises ValueError for an unknown standard or a wrong number of parts.
        """
        parts = text.split(":")
        standard = parts[0]
        if standard not in STANDARDS:
            raise ValueError(f"unknown resource standard {standard!r} in {text!r}")
        if standard == "ocf":
            if len(parts) != 3 or not all(parts):
                raise ValueError(f"an OCF agent is ocf:provider:type, not {text!r}")
            return cls("ocf", parts[2], parts[1])
        if len(parts) != 2 or not parts[1]:
            raise ValueError(f"expected {standard}:type, not {text!r}")
        return cls(standard, parts[1])

    def __str__(self) -> str:
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


def _pairs(mapping: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (mapping or {}).items()))


@dataclass(frozen=True)
class ActionRequest:
    """One action of one resource instance.

    ``resource_id`` becomes ``OCF_RESOURCE_INSTANCE`` (the caller decides whether clone
    instance suffixes such as ``:0`` belong to it). ``params`` are the instance attributes
    (``OCF_RESKEY_<name>``), hidden from repr since they may hold passwords. ``meta`` are
    Pacemaker meta attributes (``OCF_RESKEY_CRM_meta_<name>``, dashes become underscores;
    clone and notify variables such as ``clone-max`` or ``notify_type`` go here too).
    ``timeout_s`` bounds the run; ``interval_ms`` is 0 unless this is a recurring monitor.
    """

    resource_id: str
    agent: AgentSpec
    action: str
    params: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    meta: tuple[tuple[str, str], ...] = ()
    timeout_s: float = 20.0
    interval_ms: int = 0

    @classmethod
    def build(cls, resource_id: str, agent: AgentSpec | str, action: str, *,
              params: Mapping[str, str] | None = None, meta: Mapping[str, str] | None = None,
              timeout_s: float = 20.0, interval_ms: int = 0) -> ActionRequest:
        """Convenience constructor taking mappings and ``"ocf:pacemaker:Dummy"`` strings."""
        spec = agent if isinstance(agent, AgentSpec) else AgentSpec.parse(agent)
        return cls(resource_id, spec, action, _pairs(params), _pairs(meta), timeout_s,
                   interval_ms)


@dataclass(frozen=True)
class ExecContext:
    """Per-node settings shared by every action the node runs.

    ``state_dir`` is exported as ``HA_RSCTMP`` (agents keep pid/lock files there) and must
    be private to the node. ``helper_bin`` is the directory made by
    :func:`buttress.exec.tools.install_helper_bin`; it goes first on ``PATH`` and is
    ``HA_SBIN_DIR``. ``attrd_socket`` is where the helper commands reach the node agent.
    ``ha_varrun``, when set, is exported as ``HA_VARRUN`` (lets several emulated nodes on
    one host keep agents' default state files apart). ``extra_env`` is added last.
    """

    node_name: str
    state_dir: Path
    helper_bin: Path | None = None
    attrd_socket: Path | None = None
    ocf_root: Path = Path("/usr/lib/ocf")
    init_dir: Path = Path("/etc/init.d")
    ha_varrun: Path | None = None
    base_path: str = DEFAULT_PATH
    extra_env: tuple[tuple[str, str], ...] = ()

    def base_env(self) -> dict[str, str]:
        """Environment common to every agent standard (no inheritance from our process)."""
        from buttress.exec.attrd import NODE_ENV, SOCKET_ENV

        path = self.base_path
        if self.helper_bin is not None:
            path = f"{self.helper_bin}:{path}"
        env = {"PATH": path, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "HA_RSCTMP": str(self.state_dir), NODE_ENV: self.node_name}
        if self.helper_bin is not None:
            env["HA_SBIN_DIR"] = str(self.helper_bin)
        if self.attrd_socket is not None:
            env[SOCKET_ENV] = str(self.attrd_socket)
        if self.ha_varrun is not None:
            env["HA_VARRUN"] = str(self.ha_varrun)
        env.update(dict(self.extra_env))
        return env
