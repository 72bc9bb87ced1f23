"""Cluster properties, resource/operation defaults, and node attributes.

Properties live in ``<cluster_property_set id="cib-bootstrap-options">``; defaults in
``rsc_defaults``/``op_defaults`` ``<meta_attributes id="rsc_defaults-meta_attributes">``.
Node attributes go to the node's ``<instance_attributes id="nodes-ID">`` (pairs
``nodes-ID-NAME``), as crm_attribute writes them. Naming a remote or guest node that has no
``<node>`` entry yet creates ``<node id=NAME uname=NAME type="remote">``, as crm_attribute
does on a CIB file.
"""

from __future__ import annotations

from lxml import etree

from buttress.cib.edit.document import CibDocument, Element
from buttress.cib.edit.errors import ForceRequiredError, InvalidValueError, NotFoundError
from buttress.cib.edit.nvsets import find_plain_set, pairs_of, set_pairs, update_set

#: Cluster options of Pacemaker 2.1 (Pacemaker Explained, "Cluster Options").
CLUSTER_PROPERTIES = frozenset({
    "batch-limit", "cluster-delay", "cluster-infrastructure", "cluster-ipc-limit",
    "cluster-name", "cluster-recheck-interval", "concurrent-fencing", "dc-deadtime",
    "dc-version", "election-timeout", "enable-acl", "enable-startup-probes", "fence-reaction",
    "have-watchdog", "join-finalization-timeout", "join-integration-timeout",
    "load-threshold", "maintenance-mode", "migration-limit", "no-quorum-policy",
    "node-action-limit", "node-health-base", "node-health-green", "node-health-red",
    "node-health-strategy", "node-health-yellow", "pe-error-series-max",
    "pe-input-series-max", "pe-warn-series-max", "placement-strategy",
    "priority-fencing-delay", "remove-after-stop", "shutdown-escalation", "shutdown-lock",
    "shutdown-lock-limit", "start-failure-is-fatal", "startup-fencing", "stonith-action",
    "stonith-enabled", "stonith-max-attempts", "stonith-timeout",
    "stonith-watchdog-timeout", "stop-all-resources", "stop-orphan-actions",
    "stop-orphan-resources", "symmetric-cluster", "transition-delay",
    "default-resource-stickiness", "is-managed-default", "default-action-timeout",
    "crmd-finalization-timeout", "crmd-integration-timeout", "crmd-transition-delay",
})
PROPERTY_SET_ID = "cib-bootstrap-options"


def _property_set(doc: CibDocument) -> Element:
    crm_config = doc.require_section("crm_config")
    for nvset in crm_config.findall("cluster_property_set"):
        if nvset.get("id") == PROPERTY_SET_ID:
            return nvset
    nvset = etree.Element("cluster_property_set", id=PROPERTY_SET_ID)
    crm_config.insert(0, nvset)
    return nvset


def set_properties(doc: CibDocument, pairs: list[tuple[str, str]], force: bool = False) -> None:
    """``property set NAME=VALUE...``; an empty value unsets. Unknown names need force."""
    unknown = [n for n, _v in pairs if n not in CLUSTER_PROPERTIES]
    if unknown and not force:
        raise ForceRequiredError(f"unknown cluster propert{'ies' if len(unknown) > 1 else 'y'} "
                                 + ", ".join(f"'{n}'" for n in unknown))
    set_pairs(doc, _property_set(doc), pairs)


def unset_properties(doc: CibDocument, names: list[str], force: bool = False) -> None:
    """``property unset NAME...``; a name that is not set is an error unless force."""
    crm_config = doc.require_section("crm_config")
    for name in names:
        found = [nv for nv in crm_config.iter("nvpair") if nv.get("name") == name]
        if not found and not force:
            raise ForceRequiredError(f"cannot remove property '{name}', it is not present")
        for nv in found:
            parent = nv.getparent()
            assert parent is not None
            parent.remove(nv)


def properties(doc: CibDocument) -> list[tuple[str, str]]:
    crm_config = doc.section("crm_config", create=False)
    if crm_config is None:
        return []
    return [(str(nv.get("name")), str(nv.get("value", "")))
            for nvset in crm_config.findall("cluster_property_set")
            for nv in nvset.findall("nvpair")]


def set_defaults(doc: CibDocument, section: str, pairs: list[tuple[str, str]]) -> None:
    """``resource defaults`` (section ``rsc_defaults``) / ``resource op defaults``
    (``op_defaults``): set meta attributes; an empty value removes one."""
    sec = doc.require_section(section)
    set_id = doc.unique_id(f"{section}-meta_attributes")
    update_set(doc, sec, "meta_attributes", pairs, set_id=set_id)
    if len(sec) == 0:
        doc.configuration.remove(sec)


def defaults(doc: CibDocument, section: str) -> list[tuple[str, str]]:
    sec = doc.section(section, create=False)
    return [] if sec is None else pairs_of(sec, "meta_attributes")


# ---- nodes ----------------------------------------------------------------------------------


def node_element(doc: CibDocument, name: str, create_remote: bool = True) -> Element:
    """The ``<node>`` of ``name``; for a remote/guest node defined by a resource it is
    created when missing. Unknown names raise NotFoundError."""
    node = doc.find_node(name)
    if node is not None:
        return node
    if create_remote and name in doc.remote_node_names():
        return etree.SubElement(doc.nodes, "node", type="remote", id=name, uname=name)
    raise NotFoundError(f"node '{name}' does not appear to exist in the configuration")


def set_node_attributes(doc: CibDocument, name: str, pairs: list[tuple[str, str]],
                        set_tag: str = "instance_attributes") -> None:
    """``node attribute NODE NAME=VALUE...`` (empty value removes) and
    ``node utilization`` (``set_tag="utilization"``)."""
    for key, _value in pairs:
        if not key:
            raise InvalidValueError("an attribute name is empty")
    node = node_element(doc, name, create_remote=any(v != "" for _k, v in pairs))
    node_id = str(node.get("id"))
    base = f"nodes-{node_id}" if set_tag == "instance_attributes" else f"nodes-{node_id}-{set_tag}"
    if find_plain_set(node, set_tag) is None and any(v != "" for _k, v in pairs):
        set_id = doc.unique_id(base)
        update_set(doc, node, set_tag, pairs, set_id=set_id)
    else:
        update_set(doc, node, set_tag, pairs)


def node_attributes(doc: CibDocument, name: str | None = None,
                    set_tag: str = "instance_attributes") -> dict[str, list[tuple[str, str]]]:
    """Node name -> its attributes (of every node, or of ``name``)."""
    result: dict[str, list[tuple[str, str]]] = {}
    if name is not None:
        node = doc.find_node(name)
        if node is None and name not in doc.remote_node_names():
            raise NotFoundError(f"node '{name}' does not appear to exist in the configuration")
        nodes = [node] if node is not None else []
    else:
        nodes = doc.nodes.findall("node")
    for node in nodes:
        pairs = pairs_of(node, set_tag)
        if pairs:
            result[str(node.get("uname") or node.get("id"))] = pairs
    return result


def set_node_flag(doc: CibDocument, names: list[str], flag: str, on: bool) -> None:
    """``node standby|unstandby|maintenance|unmaintenance NODE...``."""
    if not names:
        raise InvalidValueError("name at least one node (or use --all)")
    for name in names:
        set_node_attributes(doc, name, [(flag, "on" if on else "")])
