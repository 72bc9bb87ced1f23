"""Text and JSON views of the configuration (``config``, ``resource config``,
``constraint config``, ``property config``...), in the spirit of pcs 0.11's layout."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from buttress.cib.edit.document import RESOURCE_TAGS, CibDocument, Element
from buttress.cib.edit.nvsets import pairs_of
from buttress.cib.edit.properties import defaults, node_attributes, properties
from buttress.cib.edit.rules import rule_to_text
from buttress.cib.edit.stonith import levels_text
from buttress.cib.reader import cib_from_element


def _pairs_line(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f"{k}={_quote(v)}" for k, v in pairs)


def _quote(value: str) -> str:
    if value == "" or any(c in value for c in " \"'\\$`"):
        return "'" + value.replace("'", "'\"'\"'") + "'"
    return value


def resource_lines(el: Element, indent: int = 0) -> list[str]:
    """pcs-like lines describing one resource element and what it contains."""
    pad = "  " * indent
    rid = el.get("id")
    lines: list[str] = []
    if el.tag == "primitive":
        agent = f"class={el.get('class')}"
        if el.get("provider"):
            agent += f" provider={el.get('provider')}"
        agent += f" type={el.get('type')}"
        lines.append(f"{pad}Resource: {rid} ({agent})")
    else:
        label = {"group": "Group", "clone": "Clone", "master": "Clone", "bundle": "Bundle"}
        lines.append(f"{pad}{label.get(el.tag, el.tag)}: {rid}")
    for tag, title in (("instance_attributes", "Attributes"),
                       ("meta_attributes", "Meta Attributes"),
                       ("utilization", "Utilization")):
        for nvset in el.findall(tag):
            pairs = pairs_of_set(nvset)
            if pairs:
                lines.append(f"{pad}  {title}: {nvset.get('id')}")
                lines.extend(f"{pad}    {k}={_quote(v)}" for k, v in pairs)
    ops = el.find("operations")
    if ops is not None and len(ops):
        lines.append(f"{pad}  Operations:")
        for op in ops.findall("op"):
            opts = [(str(k), str(v)) for k, v in op.attrib.items() if k not in ("id", "name")]
            lines.append(f"{pad}    {op.get('name')}: {op.get('id')}")
            lines.append(f"{pad}      {_pairs_line(opts)}")
    for child in el:
        if isinstance(child.tag, str) and child.tag in RESOURCE_TAGS:
            lines.extend(resource_lines(child, indent + 1))
    return lines


def pairs_of_set(nvset: Element) -> list[tuple[str, str]]:
    return [(str(nv.get("name")), str(nv.get("value", ""))) for nv in nvset.findall("nvpair")]


def resources_text(doc: CibDocument, ids: list[str] | None = None, stonith: bool = False
                   ) -> list[str]:
    """Resources (or only stonith devices with ``stonith``) at top level, or the named."""
    if ids:
        elements = [doc.get_resource(r) for r in ids]
    else:
        elements = [el for el in doc.resources if isinstance(el.tag, str)
                    and el.tag in RESOURCE_TAGS and doc.is_stonith(el) == stonith]
    lines: list[str] = []
    for el in elements:
        lines.extend(resource_lines(el))
    return lines


def constraints_text(doc: CibDocument) -> list[str]:
    loc: list[str] = []
    order: list[str] = []
    coloc: list[str] = []
    ticket: list[str] = []
    for el in doc.constraints:
        if not isinstance(el.tag, str):
            continue
        cid = el.get("id")
        sets = el.findall("resource_set")
        set_text = " ".join(
            "set " + " ".join(str(r.get("id")) for r in s.findall("resource_ref"))
            + "".join(f" {k!s}={v!s}" for k, v in s.attrib.items() if k != "id")
            for s in sets)
        if el.tag == "rsc_location":
            what = f"resource '{el.get('rsc')}'" if el.get("rsc") else \
                f"resources matching '{el.get('rsc-pattern')}'" if el.get("rsc-pattern") \
                else set_text
            extra = "".join(f" {k}={el.get(k)}" for k in ("role", "resource-discovery")
                            if el.get(k))
            if el.get("node") is not None:
                score = str(el.get("score", "INFINITY"))
                verb = "avoids" if score.startswith("-") else "prefers"
                loc.append(f"  {what} {verb} node '{el.get('node')}' with score {score}"
                           f"{extra} (id: {cid})")
            else:
                loc.append(f"  {what}{extra} (id: {cid})")
                for rule in el.findall("rule"):
                    if rule.get("score") is not None:
                        how = f"score={rule.get('score')}"
                    else:
                        how = f"score-attribute={rule.get('score-attribute')}"
                    loc.append(f"    Rule: {how} (id: {rule.get('id')})")
                    loc.append(f"      {rule_to_text(rule)}")
        elif el.tag == "rsc_order":
            if sets:
                order.append(f"  {set_text} (id: {cid})")
            else:
                order.append(f"  {el.get('first-action', 'start')} resource '{el.get('first')}'"
                             f" then {el.get('then-action', el.get('first-action', 'start'))}"
                             f" resource '{el.get('then')}' (id: {cid})")
            opts = [(k, str(v)) for k, v in el.attrib.items()
                    if k in ("kind", "symmetrical", "require-all", "score")]
            if opts:
                order.append(f"    {_pairs_line(opts)}")
        elif el.tag == "rsc_colocation":
            if sets:
                coloc.append(f"  {set_text} (id: {cid})")
            else:
                rr = f"{el.get('rsc-role')} " if el.get("rsc-role") else ""
                wr = f"{el.get('with-rsc-role')} " if el.get("with-rsc-role") else ""
                coloc.append(f"  {rr}resource '{el.get('rsc')}' with {wr}resource "
                             f"'{el.get('with-rsc')}' (id: {cid})")
            coloc.append(f"    score={el.get('score')}")
        else:
            ticket.append(f"  {el.tag} (id: {cid}) "
                          + " ".join(f"{k!s}={v!s}" for k, v in el.attrib.items() if k != "id"))
    lines: list[str] = []
    for title, block in (("Location Constraints:", loc), ("Colocation Constraints:", coloc),
                         ("Order Constraints:", order), ("Ticket Constraints:", ticket)):
        if block:
            lines.append(title)
            lines.extend(block)
    return lines


def properties_text(doc: CibDocument) -> list[str]:
    props = properties(doc)
    lines = ["Cluster Properties: cib-bootstrap-options"]
    lines.extend(f"  {k}={v}" for k, v in props)
    return lines


def defaults_text(doc: CibDocument, section: str) -> list[str]:
    pairs = defaults(doc, section)
    if not pairs:
        return ["No defaults set"]
    sec = doc.section(section, create=False)
    set_ids = [str(s.get("id")) for s in sec.findall("meta_attributes")] if sec is not None \
        else []
    return [f"Meta Attrs: {', '.join(set_ids)}", *(f"  {k}={v}" for k, v in pairs)]


def node_attributes_text(doc: CibDocument, name: str | None = None,
                         set_tag: str = "instance_attributes") -> list[str]:
    title = "Node Attributes:" if set_tag == "instance_attributes" else "Node Utilization:"
    lines = [title]
    for node, pairs in node_attributes(doc, name, set_tag).items():
        lines.append(f"  {node}: {_pairs_line(pairs)}")
    return lines


def config_text(doc: CibDocument) -> str:
    """The whole configuration, section by section (``buttress config``)."""
    out: list[str] = []
    nodes = doc.nodes.findall("node")
    out.append("Cluster Nodes: " + " ".join(str(n.get("uname") or n.get("id")) for n in nodes))
    res = resources_text(doc)
    out += ["", "Resources:", *("  " + ln for ln in res)] if res else []
    dev = resources_text(doc, stonith=True)
    out += ["", "Stonith Devices:", *("  " + ln for ln in dev)] if dev else []
    levels = levels_text(doc)
    out += ["", "Fencing Levels:", *("  " + ln for ln in levels)] if levels else []
    cons = constraints_text(doc)
    out += ["", *cons] if cons else []
    if defaults(doc, "rsc_defaults"):
        out += ["", "Resources Defaults:",
                *("  " + ln for ln in defaults_text(doc, "rsc_defaults"))]
    if defaults(doc, "op_defaults"):
        out += ["", "Operations Defaults:",
                *("  " + ln for ln in defaults_text(doc, "op_defaults"))]
    out += ["", *properties_text(doc)]
    attrs = node_attributes_text(doc)
    if len(attrs) > 1:
        out += ["", *attrs]
    util = node_attributes_text(doc, set_tag="utilization")
    if len(util) > 1:
        out += ["", *util]
    return "\n".join(out)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def config_json(doc: CibDocument) -> str:
    """The configuration as the model reads it (frozen dataclasses -> JSON)."""
    cib = cib_from_element(doc.root)
    return json.dumps(_jsonable(cib.configuration), indent=2, sort_keys=False)


__all__ = ["config_json", "config_text", "constraints_text", "defaults_text",
           "node_attributes_text", "pairs_of", "properties_text", "resources_text"]
