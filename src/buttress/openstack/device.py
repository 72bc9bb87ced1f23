"""The parameters of a ``fence_nova``/``fence_compute`` device: credentials + engine config.

:meth:`NovaDeviceSettings.from_params` splits a device's instance attributes (a CIB's
nvpairs, ``pcmk_*`` options already removed) into

* **credentials** (:class:`NovaCredentials`): ``cloud`` (a clouds.yaml entry, preferred),
  or fence_compute's ``auth_url``, ``login``/``username``, ``passwd``/``password``,
  ``tenant_name``/``project_name``, ``user_domain``, ``project_domain``,
  ``region_name``, ``endpoint_type`` (``publicURL``/``internalURL``/``adminURL`` or the
  bare interface), ``insecure``, ``api_timeout`` (seconds). With neither ``cloud`` nor
  ``auth_url``, openstacksdk reads clouds.yaml / ``OS_*`` from the environment.
* **the engine's configuration**: the keys of :meth:`EvacuationConfig.from_params`.
* fence_compute options that need nothing from Buttress and are accepted and ignored
  (:data:`IGNORED`): ``action``, ``record_only``, ``no_shared_storage`` (Nova detects
  shared storage itself since 2.14), ``instance_filtering`` (use ``evacuate=tagged``),
  ``domain``/``compute_domain`` (used for host names, see
  :func:`buttress.fencing.builtin.nova_host`) and the generic fence-agent options.

Dashes and underscores are equivalent (``auth-url`` = ``auth_url``). Anything else, or a
password script (``passwd_script``: not run by the controller), is a ConfigError of one
line that names keys, never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from buttress.openstack.config import EvacuationConfig, is_true
from buttress.openstack.credentials import NovaCredentials
from buttress.openstack.errors import ConfigError

if TYPE_CHECKING:
    from buttress.agents.metadata import AgentMetadata

_AUTH_KEYS: dict[str, tuple[str, ...]] = {
    "auth_url": ("auth_url",),
    "username": ("username", "login"),
    "password": ("password", "passwd"),
    "project_name": ("project_name", "tenant_name"),
    "user_domain_name": ("user_domain", "user_domain_name"),
    "project_domain_name": ("project_domain", "project_domain_name"),
}
_OTHER = frozenset({"cloud", "region_name", "endpoint_type", "insecure", "api_timeout"})
IGNORED = frozenset({
    "action", "record_only", "no_shared_storage", "on_shared_storage", "instance_filtering",
    "domain", "compute_domain", "plug", "port", "nodename", "quiet", "verbose",
    "verbose_level", "debug", "debug_file", "delay", "disable_timeout", "login_timeout",
    "power_timeout", "power_wait", "shell_timeout", "stonith_status_sleep", "retry_on",
    "separator", "plug_separator", "priority",
})
_UNSUPPORTED = frozenset({"passwd_script", "password_script"})
_INTERFACES = {"publicurl": "public", "internalurl": "internal", "adminurl": "admin",
               "public": "public", "internal": "internal", "admin": "admin"}


@dataclass(frozen=True)
class NovaDeviceSettings:
    """What a fence_nova device configures: how to reach Nova and how to evacuate."""

    credentials: NovaCredentials
    config: EvacuationConfig

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> NovaDeviceSettings:
        """Parse the device parameters (module docstring). Raises ConfigError."""
        values = {k.replace("-", "_"): v for k, v in params.items()}
        unsupported = sorted(set(values) & _UNSUPPORTED)
        if unsupported:
            raise ConfigError(f"fence_nova: {', '.join(unsupported)} is not supported; give "
                              "the password, or a cloud of clouds.yaml")
        auth_names = {alias for aliases in _AUTH_KEYS.values() for alias in aliases}
        engine = {k: v for k, v in values.items()
                  if k not in auth_names and k not in _OTHER and k not in IGNORED}
        config = EvacuationConfig.from_params(engine)
        auth: dict[str, str] = {}
        for name, aliases in _AUTH_KEYS.items():
            for alias in aliases:
                if values.get(alias):
                    auth[name] = values[alias]
                    break
        cloud = values.get("cloud") or None
        if auth and "auth_url" not in auth and cloud is None:
            raise ConfigError("fence_nova: credentials without auth_url (give auth_url, or "
                              "a cloud of clouds.yaml)")
        if "auth_url" in auth:
            auth.setdefault("user_domain_name", "Default")
            auth.setdefault("project_domain_name", "Default")
        interface = None
        if values.get("endpoint_type"):
            interface = _INTERFACES.get(values["endpoint_type"].lower())
            if interface is None:
                raise ConfigError(f"fence_nova: endpoint_type {values['endpoint_type']!r} "
                                  "is not one of public, internal, admin")
        try:
            timeout = float(values.get("api_timeout", "30"))
        except ValueError:
            raise ConfigError("fence_nova: api_timeout must be a number of seconds") from None
        credentials = NovaCredentials(cloud=cloud, auth=auth, region_name=values.get(
            "region_name") or None, interface=interface,
            verify=not is_true(values.get("insecure", "false")), timeout_s=timeout)
        return cls(credentials, config)


_DESCRIPTIONS = {
    "cloud": "cloud of clouds.yaml to use (preferred to explicit credentials)",
    "auth_url": "Keystone URL", "login": "user name", "username": "user name",
    "passwd": "password", "password": "password", "tenant_name": "project name",
    "project_name": "project name", "user_domain": "Keystone user domain (Default)",
    "project_domain": "Keystone project domain (Default)", "region_name": "region",
    "endpoint_type": "interface: publicURL, internalURL, adminURL",
    "insecure": "do not verify TLS certificates", "api_timeout": "seconds per request",
    "domain": "DNS domain appended to node names to make nova host names",
    "compute_domain": "same as domain",
}


def builtin_metadata(agent_type: str) -> AgentMetadata:
    """Meta-data of the built-in fence_nova/fence_compute device, for the pcs commands:
    every key :meth:`NovaDeviceSettings.from_params` accepts (dash and underscore forms)."""
    from buttress.agents.metadata import ActionInfo, AgentMetadata, AgentName, ParameterInfo

    known = {alias for aliases in _AUTH_KEYS.values() for alias in aliases}
    known |= _OTHER | IGNORED | set(EvacuationConfig.param_names())
    names = sorted(known | {k.replace("_", "-") for k in known})
    params = tuple(ParameterInfo(name, shortdesc=_DESCRIPTIONS.get(
        name.replace("-", "_"), "see docs/instance-ha.md")) for name in names)
    actions = tuple(ActionInfo(a, timeout="20s") for a in ("off", "on", "reboot", "monitor",
                                                              "status", "metadata"))
    return AgentMetadata(agent=AgentName("stonith", agent_type), parameters=params,
                         actions=actions, name=agent_type,
                         shortdesc="Buttress built-in: evacuate a fenced compute node's "
                                   "instances through Nova (fence_compute equivalent)")
