"""A configured fence device (a ``stonith`` primitive) and the host-targeting rules.

``FenceDevice.from_params`` splits a stonith resource's instance attributes into the
agent's own parameters (passed on stdin) and Pacemaker's ``pcmk_*`` options (consumed
here). Targeting follows Pacemaker 2.1:

* ``pcmk_host_map`` — ``node:port`` entries separated by ``;``, ``,``, spaces or tabs
  (``=`` may replace ``:``; a backslash escapes the next character); maps the target's
  name to the value sent as the port.
* ``pcmk_host_list`` — node names separated by spaces, commas or semicolons.
* ``pcmk_host_check`` — ``static-list`` (the target is in the host list or the host map),
  ``dynamic-list`` (the target, or its mapped port, is in the agent's ``list`` output),
  ``status`` (the agent's ``status`` for the target's port answers on/off) or ``none``
  (the device can fence any node). Default: ``static-list`` when a host list or map is set,
  otherwise ``dynamic-list`` when the agent supports ``list``, otherwise ``status`` when
  it supports ``status``, otherwise ``none``.
* ``pcmk_host_argument`` — the stdin key for the port (default ``port``; ``none`` sends
  none). ``pcmk_<action>_action`` renames an action, ``pcmk_<action>_timeout`` and
  ``pcmk_<action>_retries`` bound it, ``pcmk_delay_base`` delays fencing actions.

Secrets (any parameter whose name contains ``passw``, ``secret``, ``token``,
``community`` or ``api_key``/``apikey``) never appear in ``repr``/``str``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from buttress.timeutil import parse_interval_ms

DEFAULT_TIMEOUT_S = 60.0
"""Pacemaker's ``stonith-timeout`` default, used when no ``pcmk_<action>_timeout``."""
DEFAULT_RETRIES = 2
_SECRET = re.compile(r"passw|secret|token|community|api_?key", re.IGNORECASE)
HOST_CHECKS = ("static-list", "dynamic-list", "status", "none")


def is_secret(name: str) -> bool:
    """True for parameter names whose values must never be shown."""
    return bool(_SECRET.search(name))


def parse_host_list(text: str | None) -> tuple[str, ...]:
    return tuple(item for item in re.split(r"[\s,;]+", text or "") if item)


def parse_host_map(text: str | None) -> dict[str, str]:
    """Parse ``pcmk_host_map`` (module docstring). Entries without a separator are ignored."""
    mapping: dict[str, str] = {}
    name: str | None = None
    current: list[str] = []
    escaped = False

    def flush() -> None:
        nonlocal name
        if name is not None and current:
            mapping[name] = "".join(current)
        name = None
        current.clear()

    for char in text or "":
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ":=" and name is None:
            name = "".join(current).strip()
            current.clear()
        elif char in ";, \t\n":
            flush()
        else:
            current.append(char)
    flush()
    return mapping


@dataclass(frozen=True)
class FenceDevice:
    """One fence device. ``params`` go to the agent on stdin (hidden from repr)."""

    id: str
    agent: str
    params: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    options: tuple[tuple[str, str], ...] = ()
    priority: int = 0

    @classmethod
    def from_params(cls, device_id: str, agent: str, params: Mapping[str, str],
                    priority: int = 0) -> FenceDevice:
        """Split ``pcmk_*`` options from the agent's parameters; ``agent`` may be
        ``stonith:fence_x`` or ``fence_x``. Raises ValueError for a bad host check."""
        agent = agent.removeprefix("stonith:")
        own = tuple(sorted((k, v) for k, v in params.items() if not k.startswith("pcmk_")))
        pcmk = tuple(sorted((k, v) for k, v in params.items() if k.startswith("pcmk_")))
        device = cls(device_id, agent, own, pcmk, priority)
        check = device.option("pcmk_host_check")
        if check is not None and check not in HOST_CHECKS:
            raise ValueError(f"{device_id}: pcmk_host_check {check!r} is not one of "
                             f"{', '.join(HOST_CHECKS)}")
        return device

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={'******' if is_secret(k) else v}" for k, v in self.params)
        return (f"FenceDevice(id={self.id!r}, agent={self.agent!r}, params=[{shown}], "
                f"options={dict(self.options)!r}, priority={self.priority})")

    __str__ = __repr__

    def option(self, name: str) -> str | None:
        return dict(self.options).get(name)

    @property
    def secret_values(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.params if is_secret(k) and v)

    @property
    def host_list(self) -> tuple[str, ...]:
        return parse_host_list(self.option("pcmk_host_list"))

    @property
    def host_map(self) -> dict[str, str]:
        return parse_host_map(self.option("pcmk_host_map"))

    @property
    def host_argument(self) -> str | None:
        """The stdin key carrying the port, or None for ``pcmk_host_argument=none``."""
        argument = self.option("pcmk_host_argument") or "port"
        return None if argument == "none" else argument

    def host_check(self, supports_list: bool = True, supports_status: bool = True) -> str:
        """The effective ``pcmk_host_check`` (defaults: module docstring)."""
        explicit = self.option("pcmk_host_check")
        if explicit:
            return explicit
        if self.host_list or self.host_map:
            return "static-list"
        if supports_list:
            return "dynamic-list"
        return "status" if supports_status else "none"

    def port_for(self, target: str) -> str:
        """The value sent as the port when fencing ``target``."""
        return self.host_map.get(target, target)

    def agent_action(self, action: str) -> str:
        """The action name the agent is asked for (``pcmk_<action>_action`` renames)."""
        return self.option(f"pcmk_{action}_action") or action

    def timeout_s(self, action: str, default: float = DEFAULT_TIMEOUT_S) -> float:
        value = self.option(f"pcmk_{action}_timeout")
        return parse_interval_ms(value) / 1000 if value else default

    def retries(self, action: str) -> int:
        value = self.option(f"pcmk_{action}_retries")
        return max(1, int(value)) if value and value.isdigit() else DEFAULT_RETRIES

    @property
    def delay_base_s(self) -> float:
        value = self.option("pcmk_delay_base")
        return parse_interval_ms(value) / 1000 if value else 0.0

    def statically_matches(self, target: str) -> bool:
        """``static-list`` semantics: in ``pcmk_host_list`` or a key of ``pcmk_host_map``."""
        return target in self.host_list or target in self.host_map
