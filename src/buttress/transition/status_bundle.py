"""Bundles in the status display (crm_mon layout).

A bundle prints ``Container bundle: ID [image]:`` (``Container bundle set:`` with more than
one replica) and one line per replica: the replica's inner instance under the name of its
guest node (followed by `` (address)`` when the replica has an IP), or, for a bundle
without a primitive, its container; in either case with the node its container runs on.
"""

from __future__ import annotations

from buttress.model.resources import Bundle
from buttress.scheduler.bundle import inner_of, replica_address, replica_connection
from buttress.scheduler.working import WRsc
from buttress.transition.status_out import LazyList
from buttress.transition.status_rsc import ResourceWriter, is_disabled


def bundle_title(rsc: WRsc, model: Bundle | None) -> str:
    replicas = model.replica_count if model is not None else len(rsc.children)
    image = model.image if model is not None else None
    title = f"Container bundle{' set' if replicas > 1 else ''}: {rsc.id} [{image or ''}]"
    flags: list[str] = []
    if model is not None and model.replicas_per_host > 1:
        flags.append("unique")
    if not rsc.managed:
        flags.append("unmanaged")
    if is_disabled(rsc):
        flags.append("disabled")
    if flags:
        title += " (" + ", ".join(flags) + ")"
    return title


def write_bundle(writer: ResourceWriter, rsc: WRsc) -> bool:
    """Write one bundle and its replicas; False when it printed nothing."""
    model = rsc.extra.get("bundle_model")
    bundle = model if isinstance(model, Bundle) else None
    header = LazyList(writer.out, bundle_title(rsc, bundle))
    inner = inner_of(rsc)
    for index, replica in enumerate(rsc.children):
        container = replica.extra.get("container")
        if not isinstance(container, WRsc):
            continue
        conn = replica_connection(replica)
        shown = container
        name = container.id
        if inner is not None and conn is not None and index < len(inner.children):
            shown = inner.children[index]
            name = conn.id
        address = replica_address(bundle, index) if bundle is not None else None
        if address is not None:
            name += f" ({address})"
        host = container.running_on[0] if container.running_on else None
        header.ensure()
        writer.out.item(writer.primitive_text(shown, name, host, show_nodes=False))
    header.close()
    return header.opened
