"""How to reach Nova: a cloud of clouds.yaml, OS_* variables, or explicit auth values.

Secrets (passwords, tokens, application-credential secrets) are held but never shown:
``repr``/``str``/``describe`` replace them, and errors built from this object name only the
auth URL, the user and the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_SECRET_MARKERS = ("password", "secret", "token", "key", "passcode", "totp")


def is_secret(name: str) -> bool:
    """Whether an auth/config key names a secret value."""
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with every secret value replaced by ``"***"``."""
    return {k: ("***" if is_secret(k) else v) for k, v in values.items()}


@dataclass(frozen=True)
class NovaCredentials:
    """Where and how to authenticate.

    With ``cloud`` set (or OS_CLOUD / OS_* in the environment and nothing else set),
    openstacksdk reads clouds.yaml and the environment. ``auth`` holds explicit
    keystoneauth values (auth_url, username, password, project_name, user_domain_name,
    project_domain_name, or endpoint and token for ``auth_type="admin_token"``).
    ``timeout_s`` bounds every HTTP request.
    """

    cloud: str | None = None
    auth: Mapping[str, str] = field(default_factory=dict, repr=False)
    auth_type: str | None = None
    region_name: str | None = None
    interface: str | None = None
    verify: bool = True
    timeout_s: float = 30.0

    def describe(self) -> dict[str, Any]:
        """A JSON-able description without any secret (safe for status and logs)."""
        out: dict[str, Any] = {"cloud": self.cloud, "auth_type": self.auth_type,
                               "region_name": self.region_name, "auth": redact(self.auth)}
        return {k: v for k, v in out.items() if v not in (None, {})}

    def __repr__(self) -> str:
        return f"NovaCredentials({self.describe()!r})"

    __str__ = __repr__

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``openstack.connect`` (contains secrets: never log)."""
        kwargs: dict[str, Any] = {"api_timeout": self.timeout_s, "verify": self.verify,
                                  "load_yaml_config": True, "load_envvars": True}
        if self.cloud is not None:
            kwargs["cloud"] = self.cloud
        if self.auth:
            kwargs["auth"] = dict(self.auth)
        if self.auth_type is not None:
            kwargs["auth_type"] = self.auth_type
        if self.region_name is not None:
            kwargs["region_name"] = self.region_name
        if self.interface is not None:
            kwargs["interface"] = self.interface
        return kwargs
