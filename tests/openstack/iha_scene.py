"""Setting scenes in a NovaBox with openstacksdk, and reading outcomes back from Nova."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from iha_box import IMAGE
from openstack.connection import Connection


@dataclass(frozen=True)
class Vm:
    """A server of a scene and what it should look like after recovery."""

    id: str
    name: str
    status: str  # ACTIVE, SHUTOFF or PAUSED before the failure
    evacuable: bool


def flavor(conn: Connection, name: str, extra_specs: dict[str, str] | None = None) -> str:
    fl = conn.compute.create_flavor(name=name, ram=256, vcpus=1, disk=1)
    if extra_specs:
        conn.compute.create_flavor_extra_specs(fl, extra_specs)
    return str(fl.id)


def wait_for(conn: Connection, server_id: str, status: str, timeout: float = 90) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        server = conn.compute.get_server(server_id)
        if server.status == status and server.task_state is None:
            return server
        if server.status == "ERROR":
            raise AssertionError(f"{server_id} went to ERROR: {server.fault}")
        time.sleep(0.2)
    raise AssertionError(f"{server_id} not {status} within {timeout}s")


def boot(conn: Connection, host: str, specs: list[tuple[str, str, str, bool]],
         metadata: dict[str, dict[str, str]] | None = None) -> list[Vm]:
    """Boot (name, flavor id, wanted status, evacuable) servers on ``host``, in parallel,
    then bring each to its wanted status (ACTIVE, SHUTOFF or PAUSED)."""
    created = []
    for name, flavor_id, _, _ in specs:
        created.append(conn.compute.create_server(
            name=name, image_id=IMAGE, flavor_id=flavor_id, networks="none",
            availability_zone=f"nova:{host}", metadata=(metadata or {}).get(name, {})))
    for server in created:
        wait_for(conn, server.id, "ACTIVE")
    for server, (_, _, status, _) in zip(created, specs, strict=True):
        if status == "SHUTOFF":
            conn.compute.stop_server(server)
        elif status == "PAUSED":
            conn.compute.pause_server(server)
    vms = []
    for server, (name, _, status, evacuable) in zip(created, specs, strict=True):
        wait_for(conn, server.id, status)
        vms.append(Vm(server.id, name, status, evacuable))
    return vms


def where(conn: Connection, vm: Vm) -> tuple[str, str, str | None]:
    """(compute host, status, task_state) of a server as Nova reports it."""
    server = conn.compute.get_server(vm.id)
    return server.compute_host, server.status, server.task_state


def evacuations(conn: Connection, vm: Vm) -> list[Any]:
    """The evacuation migrations Nova recorded for the server."""
    return [m for m in conn.compute.migrations(instance_uuid=vm.id)
            if m.migration_type == "evacuation"]


def service(conn: Connection, host: str) -> Any:
    return next(iter(conn.compute.services(host=host, binary="nova-compute")))
