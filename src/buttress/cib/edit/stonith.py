"""Fencing devices and fencing topology levels.

A fencing level is ``<fencing-level id="fl-TARGET-INDEX" index=N target=... devices="a,b"/>``
in ``<fencing-topology>``. Targets are a node name, ``regexp%PATTERN`` (target-pattern) or
``attrib%NAME=VALUE`` (target-attribute/target-value). Devices may be given space- or
comma-separated (pcs 0.9 wrote ``a,b``); they are stored comma-separated.
"""

from __future__ import annotations

from lxml import etree

from buttress.cib.edit.document import CibDocument, Element
from buttress.cib.edit.errors import (
    DuplicateIdError,
    ForceRequiredError,
    InvalidValueError,
    NotFoundError,
)


def split_devices(words: list[str]) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``; empty items are errors."""
    devices: list[str] = []
    for word in words:
        for item in word.split(","):
            if not item:
                raise InvalidValueError(f"invalid device list '{word}'")
            devices.append(item)
    return devices


def _target_attrs(target: str) -> dict[str, str]:
    if target.startswith("regexp%"):
        return {"target-pattern": target[len("regexp%"):]}
    if target.startswith("attrib%"):
        body = target[len("attrib%"):]
        if "=" not in body:
            raise InvalidValueError(f"invalid target '{target}': use attrib%NAME=VALUE")
        name, value = body.split("=", 1)
        return {"target-attribute": name, "target-value": value}
    if target.startswith("node%"):
        target = target[len("node%"):]
    return {"target": target}


def _target_text(el: Element) -> str:
    if el.get("target") is not None:
        return str(el.get("target"))
    if el.get("target-pattern") is not None:
        return f"regexp%{el.get('target-pattern')}"
    return f"attrib%{el.get('target-attribute')}={el.get('target-value')}"


def _levels(doc: CibDocument) -> list[Element]:
    topo = doc.section("fencing-topology", create=False)
    return [] if topo is None else topo.findall("fencing-level")


def add_level(doc: CibDocument, index: str, target: str, device_words: list[str],
              force: bool = False, level_id: str | None = None) -> Element:
    """``stonith level add LEVEL TARGET DEVICE...``.

    The level is a positive integer; devices must be stonith resources and a node target
    a known node (cluster node, remote/guest node resource) unless ``force``.
    """
    if not index.isdigit() or int(index) < 1 or int(index) > 9:
        raise InvalidValueError(f"invalid level '{index}': use an integer from 1 to 9")
    devices = split_devices(device_words)
    if not devices:
        raise InvalidValueError("name at least one stonith device")
    attrs = _target_attrs(target)
    if not force:
        for dev in devices:
            el = doc.find_resource(dev)
            if el is None or not doc.is_stonith(el):
                raise ForceRequiredError(f"stonith device '{dev}' does not exist")
        if "target" in attrs and attrs["target"] not in doc.known_node_names():
            raise ForceRequiredError(f"node '{attrs['target']}' does not appear to exist in "
                                     "the configuration")
    joined = ",".join(devices)
    for el in _levels(doc):
        if el.get("index") == str(int(index)) and el.get("devices") == joined and \
                all(el.get(k) == v for k, v in attrs.items()):
            raise DuplicateIdError(f"fencing level {index} for '{target}' with devices "
                                   f"'{joined}' already exists")
    topo = doc.require_section("fencing-topology")
    if level_id is None:
        level_id = doc.unique_id(f"fl-{next(iter(attrs.values()))}-{int(index)}")
    elif level_id in doc.ids():
        raise DuplicateIdError(f"'{level_id}' already exists")
    el = etree.SubElement(topo, "fencing-level", index=str(int(index)), devices=joined)
    for key, value in attrs.items():
        el.set(key, value)
    el.set("id", level_id)
    return el


def remove_levels(doc: CibDocument, index: str | None, target: str | None,
                  device_words: list[str]) -> int:
    """``stonith level remove LEVEL [TARGET] [DEVICE...]``: remove matching levels."""
    devices = split_devices(device_words)
    attrs = _target_attrs(target) if target else {}
    removed = 0
    for el in _levels(doc):
        if index is not None and el.get("index") != index:
            continue
        if attrs and not all(el.get(k) == v for k, v in attrs.items()):
            continue
        if devices and str(el.get("devices", "")).split(",") != devices:
            continue
        parent = el.getparent()
        assert parent is not None
        parent.remove(el)
        removed += 1
    if not removed:
        raise NotFoundError("no fencing level matches")
    _drop_empty_topology(doc)
    return removed


def clear_levels(doc: CibDocument, target: str | None) -> None:
    """``stonith level clear [TARGET]``."""
    attrs = _target_attrs(target) if target else {}
    for el in _levels(doc):
        if all(el.get(k) == v for k, v in attrs.items()):
            parent = el.getparent()
            assert parent is not None
            parent.remove(el)
    _drop_empty_topology(doc)


def remove_device_from_levels(doc: CibDocument, device: str) -> None:
    """Forget a deleted device in every level; a level left empty is removed."""
    for el in _levels(doc):
        devices = str(el.get("devices", "")).split(",")
        if device in devices:
            rest = [d for d in devices if d != device]
            if rest:
                el.set("devices", ",".join(rest))
            else:
                parent = el.getparent()
                assert parent is not None
                parent.remove(el)
    _drop_empty_topology(doc)


def _drop_empty_topology(doc: CibDocument) -> None:
    topo = doc.section("fencing-topology", create=False)
    if topo is not None and len(topo) == 0:
        doc.configuration.remove(topo)


def levels_text(doc: CibDocument) -> list[str]:
    """``stonith level config`` lines, grouped by target in pcs's layout."""
    lines: list[str] = []
    by_target: dict[str, list[Element]] = {}
    for el in _levels(doc):
        by_target.setdefault(_target_text(el), []).append(el)
    for target, levels in by_target.items():
        lines.append(f"Target: {target}")
        for el in sorted(levels, key=lambda e: int(e.get("index", "0"))):
            lines.append(f"  Level {el.get('index')} - {el.get('devices')}")
    return lines
