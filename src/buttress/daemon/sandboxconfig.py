"""The configuration a sandbox loads: the user's CIB plus nodes and IPMI fence devices.

:func:`sandbox_cib` takes a CIB (or nothing: an empty configuration) and returns it with

* one ``<node>`` per sandbox node when the configuration names none (ids 1..N);
* when the configuration has no ``stonith`` primitive, one ``stonith:fence_ipmilan``
  device ``fence-<node>`` per node pointing at that node's emulated BMC on 127.0.0.1
  (``lanplus``, ``ipport``), with ``pcmk_host_list=<node>`` and a ``-INFINITY`` location
  on its own node (a node never runs the device that fences it);
* ``stonith-enabled=true`` unless the configuration sets it.

``@BMC_PORT:<node>@`` and ``@BMC_PASSWORD@`` in the given XML are replaced by the node's
BMC port and the BMC password, so configurations can declare their own devices/levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lxml import etree

from buttress.errors import CibError

Element = etree._Element

EMPTY_CIB = b"""<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
  <status/>
</cib>"""

BMC_USER = "admin"


def ipmi_params(port: int, password: str, node: str) -> dict[str, str]:
    """Instance attributes of a fence_ipmilan device for one sandbox BMC."""
    return {"ip": "127.0.0.1", "ipport": str(port), "username": BMC_USER,
            "password": password, "lanplus": "1", "power_wait": "0", "method": "cycle",
            "pcmk_host_list": node, "pcmk_reboot_timeout": "30s",
            "pcmk_off_timeout": "30s"}


def _section(config: Element, tag: str) -> Element:
    found = config.find(tag)
    if found is None:
        found = etree.SubElement(config, tag)
    return found


def _nvpairs(parent: Element, tag: str, set_id: str, values: Mapping[str, str]) -> None:
    holder = etree.SubElement(parent, tag, id=set_id)
    for name, value in values.items():
        etree.SubElement(holder, "nvpair", id=f"{set_id}-{name}", name=name, value=value)


def stonith_primitive(node: str, port: int, password: str) -> Element:
    prim = etree.Element("primitive", id=f"fence-{node}", type="fence_ipmilan")
    prim.set("class", "stonith")
    _nvpairs(prim, "instance_attributes", f"fence-{node}-params",
             ipmi_params(port, password, node))
    ops = etree.SubElement(prim, "operations")
    etree.SubElement(ops, "op", id=f"fence-{node}-monitor", name="monitor", interval="60s",
                     timeout="20s")
    return prim


def sandbox_cib(source: bytes | None, nodes: Sequence[str], bmc_ports: Mapping[str, int],
                password: str) -> bytes:
    """The configuration to load (module docstring). Raises CibError for bad XML."""
    text = (source or EMPTY_CIB).decode()
    text = text.replace("@BMC_PASSWORD@", password)
    for node, port in bmc_ports.items():
        text = text.replace(f"@BMC_PORT:{node}@", str(port))
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(text.encode(), parser)
    except etree.XMLSyntaxError as exc:
        raise CibError(f"malformed XML: {exc.msg}", "cib", exc.lineno) from None
    if root.tag != "cib":
        raise CibError("the document root must be <cib>", str(root.tag))
    config = root.find("configuration")
    if config is None:
        config = etree.SubElement(root, "configuration")
    node_section = _section(config, "nodes")
    if node_section.find("node") is None:
        for index, node in enumerate(nodes, start=1):
            etree.SubElement(node_section, "node", id=str(index), uname=node)
    resources = _section(config, "resources")
    constraints = _section(config, "constraints")
    has_stonith = any(p.get("class") == "stonith" for p in resources.iter("primitive"))
    if not has_stonith:
        for node in nodes:
            resources.insert(0, stonith_primitive(node, bmc_ports[node], password))
            etree.SubElement(constraints, "rsc_location", id=f"fence-{node}-avoids",
                             rsc=f"fence-{node}", node=node, score="-INFINITY")
    crm_config = _section(config, "crm_config")
    names = {nv.get("name") for nv in crm_config.iter("nvpair")}
    if "stonith-enabled" not in names:
        props = crm_config.find("cluster_property_set")
        if props is None:
            props = etree.SubElement(crm_config, "cluster_property_set",
                                     id="cib-bootstrap-options")
        etree.SubElement(props, "nvpair", id="sandbox-stonith-enabled",
                         name="stonith-enabled", value="true")
    for old in root.findall("status"):
        root.remove(old)
    return etree.tostring(root, pretty_print=True)
