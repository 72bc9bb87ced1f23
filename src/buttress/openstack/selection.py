"""Which instances of a failed host are evacuated. Pure: the caller fetches the data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from buttress.openstack.config import EvacuationPolicy, Selection, is_true
from buttress.openstack.nova import Server


@dataclass(frozen=True)
class Choice:
    """The instances to evacuate (in the order given) and the others with the reason."""

    selected: tuple[Server, ...]
    skipped: Mapping[str, str]


def needs_images(policy: EvacuationPolicy) -> bool:
    """Whether :func:`choose` reads image properties (so the caller must fetch them)."""
    return policy.selection is Selection.TAGGED


def choose(servers: Iterable[Server], policy: EvacuationPolicy,
           image_properties: Mapping[str, Mapping[str, str]] | None = None) -> Choice:
    """Apply ``policy``. ``image_properties`` maps image id -> properties (TAGGED only).

    TAGGED follows NovaEvacuate: the flavor extra spec or the image property ``tag_key``
    must be true. HA_ENABLED follows Masakari: server metadata ``ha_enabled_key`` true.
    ``ignore_error_instances`` skips instances in ERROR whatever the selection.
    """
    images = image_properties or {}
    selected: list[Server] = []
    skipped: dict[str, str] = {}
    for server in servers:
        if policy.ignore_error_instances and server.status == "ERROR":
            skipped[server.id] = "in ERROR state and ignore_error_instances is set"
            continue
        if policy.selection is Selection.TAGGED:
            flavor_tag = is_true(server.flavor_extra_specs.get(policy.tag_key, "false"))
            image_tag = bool(server.image_id) and is_true(
                images.get(server.image_id or "", {}).get(policy.tag_key, "false"))
            if not (flavor_tag or image_tag):
                skipped[server.id] = (f"neither its flavor nor its image is tagged "
                                      f"{policy.tag_key}=true")
                continue
        elif policy.selection is Selection.HA_ENABLED and not is_true(
                server.metadata.get(policy.ha_enabled_key, "false")):
            skipped[server.id] = f"metadata {policy.ha_enabled_key} is not true"
            continue
        selected.append(server)
    return Choice(tuple(selected), skipped)
