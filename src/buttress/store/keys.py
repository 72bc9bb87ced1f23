"""The key layout of a Buttress cluster in the store: the one place that names keys.

Everything of cluster ``<cluster>`` lives under ``/buttress/<cluster>/``::

    /buttress/<cluster>/config/cib                      CIB XML (configuration section)
    /buttress/<cluster>/members/<node>                  membership: one key per live node,
                                                        attached to that node's lease
    /buttress/<cluster>/history/<node>/<resource>/<op>  operation history, one key per
                                                        (resource, operation key) on a node
    /buttress/<cluster>/attributes/<node>/<name>        transient node attributes
    /buttress/<cluster>/leader                          the controller holding leadership,
                                                        attached to its lease
    /buttress/<cluster>/transition                      the transition graph in progress

Components (cluster, node, resource, operation, attribute names) must be non-empty and
contain no ``/``; anything else raises :class:`InvalidKey`. Each ``*_prefix`` ends with
``/`` so that ``range(prefix)`` never catches a sibling whose name merely starts the same
(``node1`` vs ``node10``).
"""

from __future__ import annotations

from dataclasses import dataclass

from buttress.store.errors import InvalidKey

ROOT = "/buttress"


def _part(kind: str, name: str) -> str:
    if not name or "/" in name or name in (".", ".."):
        raise InvalidKey(f"invalid {kind} name in a store key: {name!r}")
    return name


@dataclass(frozen=True)
class KeyLayout:
    """Key names of one cluster. ``KeyLayout("prod").member("ctl1")``."""

    cluster: str
    root: str = ROOT

    def __post_init__(self) -> None:
        _part("cluster", self.cluster)
        if not self.root.startswith("/") or self.root.endswith("/"):
            raise InvalidKey(f"key root must start and not end with '/': {self.root!r}")

    @property
    def prefix(self) -> str:
        """Everything of this cluster: ``/buttress/<cluster>/``."""
        return f"{self.root}/{self.cluster}/"

    # configuration
    def config(self) -> str:
        """The CIB XML of the cluster configuration."""
        return f"{self.prefix}config/cib"

    # membership
    def members_prefix(self) -> str:
        return f"{self.prefix}members/"

    def member(self, node: str) -> str:
        """Present while ``node`` is alive: attached to the node agent's lease."""
        return f"{self.members_prefix()}{_part('node', node)}"

    # operation history
    def history_prefix(self, node: str | None = None) -> str:
        """History of every node, or of ``node``."""
        base = f"{self.prefix}history/"
        return base if node is None else f"{base}{_part('node', node)}/"

    def history_resource_prefix(self, node: str, resource: str) -> str:
        return f"{self.history_prefix(node)}{_part('resource', resource)}/"

    def history(self, node: str, resource: str, op_key: str) -> str:
        """Last result of operation ``op_key`` (e.g. ``monitor_10000``) of a resource."""
        return f"{self.history_resource_prefix(node, resource)}{_part('operation', op_key)}"

    # node attributes
    def attributes_prefix(self, node: str | None = None) -> str:
        base = f"{self.prefix}attributes/"
        return base if node is None else f"{base}{_part('node', node)}/"

    def attribute(self, node: str, name: str) -> str:
        return f"{self.attributes_prefix(node)}{_part('attribute', name)}"

    # control
    def leader(self) -> str:
        """Held by the elected controller, attached to its lease."""
        return f"{self.prefix}leader"

    def transition(self) -> str:
        """The transition graph the leader is executing."""
        return f"{self.prefix}transition"

    # parsing
    def parse(self, key: str) -> tuple[str, ...]:
        """The components of a key of this cluster after the prefix.

        ``parse(member("n1")) == ("members", "n1")``; raises InvalidKey for other keys.
        """
        if not key.startswith(self.prefix):
            raise InvalidKey(f"{key!r} is not a key of cluster {self.cluster!r}")
        return tuple(key[len(self.prefix):].split("/"))
