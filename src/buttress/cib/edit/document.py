"""A CIB document being edited: the lxml tree plus lookups every edit module needs.

``CibDocument`` owns one parsed ``<cib>`` tree. Edit functions take it, change the tree in
place and raise an ``EditError`` subclass (before changing anything, as far as possible) on
a user mistake. Saving is separate (:meth:`CibDocument.save`): callers load, apply one
command, and save atomically only when every step succeeded, so a failed command never
changes the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from buttress.cib.edit.atomic import write_atomic
from buttress.cib.edit.errors import InvalidValueError, NotFoundError
from buttress.errors import CibError

Element = etree._Element

#: Element tags that are resources.
RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")
#: Tags of constraints.
CONSTRAINT_TAGS = ("rsc_location", "rsc_order", "rsc_colocation", "rsc_ticket")

_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _line(el: Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def validate_id(value: str, what: str = "id") -> str:
    """Return ``value`` if it is a valid XML id, else raise InvalidValueError."""
    if not _ID_RE.match(value):
        raise InvalidValueError(f"invalid {what} '{value}': an id starts with a letter or '_'"
                                " and holds only letters, digits, '_', '.' and '-'")
    return value


def sanitize_id(text: str) -> str:
    """Make a valid id from arbitrary text (used for generated ids)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", text)
    if not cleaned or not re.match(r"[A-Za-z_]", cleaned[0]):
        cleaned = "_" + cleaned
    return cleaned


class CibDocument:
    """A mutable CIB XML tree with lookup helpers."""

    def __init__(self, root: Element) -> None:
        if root.tag != "cib":
            raise CibError("the document root must be <cib>", str(root.tag), _line(root))
        self.root = root
        if root.find("configuration") is None:
            raise CibError("missing <configuration>", "cib", _line(root))

    # ---- loading and saving --------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes) -> CibDocument:
        try:
            parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False,
                                     no_network=True)
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise CibError(f"malformed XML: {exc.msg}", "cib", exc.lineno) from None
        return cls(root)

    @classmethod
    def load(cls, path: str | Path) -> CibDocument:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CibError(f"cannot read {path}: {exc.strerror}") from None
        return cls.from_bytes(data)

    def to_bytes(self) -> bytes:
        text = etree.tostring(self.root, pretty_print=True, encoding="unicode")
        return text.encode("utf-8")

    def save(self, path: str | Path) -> None:
        """Write atomically (temp file, fsync, os.replace)."""
        write_atomic(path, self.to_bytes())

    def bump_epoch(self) -> None:
        """Count one more configuration change, as every CIB writer does."""
        try:
            epoch = int(self.root.get("epoch", "0"))
        except ValueError:
            epoch = 0
        self.root.set("epoch", str(epoch + 1))
        self.root.set("num_updates", "0")

    # ---- sections ------------------------------------------------------------------------

    @property
    def configuration(self) -> Element:
        config = self.root.find("configuration")
        assert config is not None
        return config

    def section(self, tag: str, create: bool = True) -> Element | None:
        """The ``<configuration>`` child ``tag``, created (appended) if missing."""
        sec = self.configuration.find(tag)
        if sec is None and create:
            sec = etree.SubElement(self.configuration, tag)
        return sec

    def require_section(self, tag: str) -> Element:
        sec = self.section(tag, create=True)
        assert sec is not None
        return sec

    @property
    def resources(self) -> Element:
        return self.require_section("resources")

    @property
    def constraints(self) -> Element:
        return self.require_section("constraints")

    @property
    def nodes(self) -> Element:
        return self.require_section("nodes")

    # ---- ids -----------------------------------------------------------------------------

    def ids(self) -> set[str]:
        """Every id used in the document (configuration and status)."""
        return {str(el.get("id")) for el in self.root.iter()
                if isinstance(el.tag, str) and el.get("id") is not None}

    def find_by_id(self, element_id: str) -> Element | None:
        for el in self.configuration.iter():
            if isinstance(el.tag, str) and el.get("id") == element_id:
                return el
        return None

    def unique_id(self, base: str, taken: set[str] | None = None) -> str:
        """``base`` made valid and unused: ``base``, ``base-1``, ``base-2``, ..."""
        used = self.ids() if taken is None else taken
        candidate = sanitize_id(base)
        if candidate not in used:
            return candidate
        n = 1
        while f"{candidate}-{n}" in used:
            n += 1
        return f"{candidate}-{n}"

    # ---- resources -----------------------------------------------------------------------

    def iter_resources(self) -> Iterator[Element]:
        """Every resource element at any depth, in document order."""
        yield from self.resources.iter(*RESOURCE_TAGS)

    def find_resource(self, rsc_id: str) -> Element | None:
        for el in self.iter_resources():
            if el.get("id") == rsc_id:
                return el
        return None

    def get_resource(self, rsc_id: str) -> Element:
        el = self.find_resource(rsc_id)
        if el is None:
            raise NotFoundError(f"resource '{rsc_id}' does not exist")
        return el

    def primitives(self) -> Iterator[Element]:
        yield from self.resources.iter("primitive")

    def is_stonith(self, el: Element) -> bool:
        return el.tag == "primitive" and el.get("class") == "stonith"

    # ---- nodes ---------------------------------------------------------------------------

    def find_node(self, name: str) -> Element | None:
        """The ``<node>`` whose uname (or, failing that, id) is ``name``."""
        for node in self.nodes.findall("node"):
            if node.get("uname") == name:
                return node
        for node in self.nodes.findall("node"):
            if node.get("id") == name and node.get("uname") is None:
                return node
        return None

    def remote_node_names(self) -> dict[str, Element]:
        """Remote and guest node names defined by resources -> the defining primitive.

        An ``ocf:pacemaker:remote`` primitive defines a remote node named by its id; a
        primitive with the ``remote-node`` meta attribute defines a guest node.
        """
        found: dict[str, Element] = {}
        for prim in self.primitives():
            if (prim.get("class"), prim.get("provider"), prim.get("type")) == (
                    "ocf", "pacemaker", "remote"):
                found[str(prim.get("id"))] = prim
            for nv in prim.findall("meta_attributes/nvpair"):
                if nv.get("name") == "remote-node" and nv.get("value"):
                    found[str(nv.get("value"))] = prim
        return found

    def known_node_names(self) -> set[str]:
        names = {str(n.get("uname") or n.get("id")) for n in self.nodes.findall("node")}
        names.update(self.remote_node_names())
        status = self.root.find("status")
        if status is not None:
            names.update(str(ns.get("uname")) for ns in status.findall("node_state")
                         if ns.get("uname"))
        return names
