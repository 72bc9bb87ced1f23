"""The Nova client layer: the few compute calls instance HA needs, typed and translated.

:class:`NovaClient` is the protocol the engine depends on (blocking calls; the engine runs
them in a bounded thread pool). :class:`SdkNova` implements it with openstacksdk /
keystoneauth over the compute API at an explicit microversion, so behaviour does not
drift with the SDK version. Every failure becomes a :class:`~buttress.openstack.errors.
NovaError` whose message carries Nova's own reason and never a credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from buttress.openstack.credentials import NovaCredentials, is_secret
from buttress.openstack.errors import (
    NovaAuthError,
    NovaError,
    NovaNotFound,
    NovaRefused,
    NovaUnavailable,
)

#: 2.95: an evacuated instance lands stopped (the engine restores the power state);
#: 2.53: services are addressed by UUID and ``forced_down`` is settable.
MICROVERSION = "2.95"
#: The evacuate request of an instance to rebuild running: before 2.95 Nova keeps the
#: power state (a running instance is rebuilt running, a stopped one stopped).
RUNNING_EVACUATE_MICROVERSION = "2.94"
#: The image proxy API (image metadata) exists up to 2.38.
IMAGE_MICROVERSION = "2.35"


@dataclass(frozen=True)
class ComputeService:
    """A nova-compute service as Nova sees it (``state`` is "up" or "down")."""

    id: str
    host: str
    status: str
    state: str
    forced_down: bool
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Server:
    """The fields of a server that instance HA reads."""

    id: str
    name: str
    status: str
    host: str | None
    task_state: str | None = None
    vm_state: str | None = None
    image_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    flavor_extra_specs: Mapping[str, str] = field(default_factory=dict)
    fault: str | None = None
    updated: str | None = None


@dataclass(frozen=True)
class Migration:
    """One row of os-migrations."""

    id: str
    instance_id: str
    migration_type: str
    status: str
    source_host: str | None
    dest_host: str | None


class NovaClient(Protocol):
    """Blocking Nova operations. Each raises NovaError (or a subclass) on failure."""

    def compute_service(self, host: str) -> ComputeService:
        """The nova-compute service of ``host``; NovaNotFound if there is none."""
        ...

    def set_forced_down(self, service_id: str, forced_down: bool) -> None:
        """Set or unset ``forced_down`` (what fencing confirmed, Nova now believes)."""
        ...

    def set_enabled(self, service_id: str, enabled: bool, reason: str | None = None) -> None:
        """Enable the service, or disable it with ``reason``."""
        ...

    def servers_on_host(self, host: str) -> list[Server]:
        """Every server (all projects) whose compute host is ``host``."""
        ...

    def server(self, server_id: str) -> Server:
        """One server; NovaNotFound if it was deleted."""
        ...

    def servers_changed_since(self, since: str) -> list[Server]:
        """Every server (all projects) updated at or after Nova's timestamp ``since``
        (deleted ones included, with status DELETED): one request for many servers."""
        ...

    def image_properties(self, image_id: str) -> Mapping[str, str]:
        """Metadata of an image (tags appear as keys with value "true")."""
        ...

    def evacuate(self, server_id: str, host: str | None = None, running: bool = False
                 ) -> None:
        """Ask Nova to rebuild the server elsewhere (``host`` None: the scheduler picks);
        ``running``: rebuild it running (microversion 2.94), else it lands stopped (2.95)."""
        ...

    def start(self, server_id: str) -> None:
        """Power the server on."""
        ...

    def stop(self, server_id: str) -> None:
        """Power the server off."""
        ...

    def evacuations_from(self, host: str) -> list[Migration]:
        """Evacuation migrations whose source is ``host``."""
        ...


def nova_reason(body: Any) -> str:
    """Nova's message out of an error body ``{"badRequest": {"message": ...}}``."""
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
        if "message" in body:
            return str(body["message"])
        if "error" in body and isinstance(body["error"], dict):
            return str(body["error"].get("message", body["error"]))
    return str(body)[:300]


def _server(data: Mapping[str, Any]) -> Server:
    flavor = data.get("flavor") or {}
    image = data.get("image")
    fault = data.get("fault") or {}
    return Server(
        id=str(data["id"]),
        name=str(data.get("name", "")),
        status=str(data.get("status", "")),
        host=data.get("OS-EXT-SRV-ATTR:host"),
        task_state=data.get("OS-EXT-STS:task_state"),
        vm_state=data.get("OS-EXT-STS:vm_state"),
        image_id=str(image["id"]) if isinstance(image, dict) and image.get("id") else None,
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        flavor_extra_specs={str(k): str(v)
                            for k, v in (flavor.get("extra_specs") or {}).items()},
        fault=str(fault["message"]) if isinstance(fault, dict) and fault.get("message")
        else None,
        updated=data.get("updated"))


def _service(data: Mapping[str, Any]) -> ComputeService:
    return ComputeService(id=str(data["id"]), host=str(data["host"]),
                          status=str(data["status"]), state=str(data["state"]),
                          forced_down=bool(data.get("forced_down")),
                          disabled_reason=data.get("disabled_reason"))


class SdkNova:
    """NovaClient over an openstacksdk Connection (thread-safe for concurrent calls)."""

    def __init__(self, credentials: NovaCredentials, connection: Any = None):
        """Connect lazily: nothing is sent until the first call (which authenticates)."""
        self._credentials = credentials
        self._secrets = tuple(v for k, v in credentials.auth.items()
                              if is_secret(k) and isinstance(v, str) and len(v) >= 3)
        if connection is None:
            import openstack

            connection = openstack.connect(**credentials.connect_kwargs())
        self._conn = connection

    def __repr__(self) -> str:
        return f"SdkNova({self._credentials!r})"

    # -- plumbing ---------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _request(self, method: str, url: str, what: str,
                 json: Mapping[str, Any] | None = None,
                 microversion: str = MICROVERSION) -> Any:
        from keystoneauth1 import exceptions as ksa_exc

        from openstack import exceptions as sdk_exc

        try:
            response = self._conn.compute.request(
                url, method, json=json, microversion=microversion, raise_exc=False)
        except ksa_exc.Unauthorized as exc:
            raise NovaAuthError(self._scrub(f"{what}: keystone refused the credentials: "
                                            f"{exc}"), 401) from None
        except (ksa_exc.ConnectionError, ksa_exc.DiscoveryFailure,
                ksa_exc.EndpointNotFound, ksa_exc.AuthorizationFailure) as exc:
            raise NovaUnavailable(self._scrub(f"{what}: nova is unreachable: "
                                              f"{type(exc).__name__}: {exc}")) from None
        except (ksa_exc.ClientException, sdk_exc.SDKException) as exc:
            raise NovaUnavailable(self._scrub(f"{what}: {type(exc).__name__}: {exc}")) \
                from None
        status = int(response.status_code)
        if status < 400:
            if status == 204 or not response.content:
                return None
            return response.json()
        try:
            reason = nova_reason(response.json())
        except ValueError:
            reason = response.text[:300]
        message = self._scrub(f"{what}: HTTP {status}: {reason}")
        if status in (401, 403):
            raise NovaAuthError(message, status)
        if status == 404:
            raise NovaNotFound(message, status)
        if status >= 500 or status in (408, 429):
            raise NovaUnavailable(message, status)
        raise NovaRefused(message, status)

    # -- NovaClient -------------------------------------------------------------------

    def compute_service(self, host: str) -> ComputeService:
        query = urlencode({"host": host, "binary": "nova-compute"})
        body = self._request("GET", f"/os-services?{query}", f"list services of {host}")
        services = [s for s in body.get("services", []) if s.get("host") == host]
        if not services:
            raise NovaNotFound(f"no nova-compute service on host {host}", 404)
        return _service(services[0])

    def set_forced_down(self, service_id: str, forced_down: bool) -> None:
        self._request("PUT", f"/os-services/{service_id}",
                      f"set forced_down={forced_down} on service {service_id}",
                      {"forced_down": forced_down})

    def set_enabled(self, service_id: str, enabled: bool, reason: str | None = None) -> None:
        body: dict[str, Any] = {"status": "enabled" if enabled else "disabled"}
        if not enabled and reason:
            body["disabled_reason"] = reason[:255]
        self._request("PUT", f"/os-services/{service_id}",
                      f"{'enable' if enabled else 'disable'} service {service_id}", body)

    def servers_on_host(self, host: str) -> list[Server]:
        return self._servers({"host": host}, f"list servers of {host}")

    def server(self, server_id: str) -> Server:
        body = self._request("GET", f"/servers/{server_id}", f"show server {server_id}")
        return _server(body["server"])

    def servers_changed_since(self, since: str) -> list[Server]:
        return self._servers({"changes-since": since}, f"list servers changed since {since}")

    def _servers(self, query: dict[str, str], what: str) -> list[Server]:
        """Every server of every project matching ``query``, following Nova's pages."""
        out: list[Server] = []
        marker: str | None = None
        while True:
            params = {"all_tenants": "1", **query, "limit": "500"}
            if marker:
                params["marker"] = marker
            body = self._request("GET", f"/servers/detail?{urlencode(params)}", what)
            page = body.get("servers", [])
            out.extend(_server(s) for s in page)
            if len(page) < 500:
                return out
            marker = str(page[-1]["id"])

    def image_properties(self, image_id: str) -> Mapping[str, str]:
        body = self._request("GET", f"/images/{image_id}/metadata", f"show image {image_id}",
                             microversion=IMAGE_MICROVERSION)
        return {str(k): str(v) for k, v in (body.get("metadata") or {}).items()}

    def evacuate(self, server_id: str, host: str | None = None, running: bool = False
                 ) -> None:
        spec: dict[str, Any] = {}
        if host is not None:
            spec["host"] = host
        self._request("POST", f"/servers/{server_id}/action", f"evacuate {server_id}",
                      {"evacuate": spec},
                      RUNNING_EVACUATE_MICROVERSION if running else MICROVERSION)

    def start(self, server_id: str) -> None:
        self._request("POST", f"/servers/{server_id}/action", f"start {server_id}",
                      {"os-start": None})

    def stop(self, server_id: str) -> None:
        self._request("POST", f"/servers/{server_id}/action", f"stop {server_id}",
                      {"os-stop": None})

    def evacuations_from(self, host: str) -> list[Migration]:
        query = urlencode({"source_compute": host, "migration_type": "evacuation"})
        body = self._request("GET", f"/os-migrations?{query}", f"list evacuations of {host}")
        return [Migration(id=str(m.get("uuid") or m["id"]),
                          instance_id=str(m["instance_uuid"]),
                          migration_type=str(m.get("migration_type", "")),
                          status=str(m.get("status", "")),
                          source_host=m.get("source_compute"),
                          dest_host=m.get("dest_compute"))
                for m in body.get("migrations", [])
                if m.get("migration_type", "evacuation") == "evacuation"]


def error_summary(exc: NovaError) -> dict[str, Any]:
    """A JSON-able summary of a NovaError: kind, HTTP status, one-line message."""
    return {"error": type(exc).__name__, "status": exc.status, "detail": str(exc)}
