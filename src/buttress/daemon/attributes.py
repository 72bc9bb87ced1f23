"""The store behind the agents' helper commands (crm_attribute, crm_master, attrd_updater).

Scopes (see :mod:`buttress.exec.attrd`):

* ``status`` - transient node attributes (promotion scores ``master-<rsc>``, ``pingd``,
  fail counts): ``attributes/<node>/<name>``; they become the node's
  ``transient_attributes`` in the live CIB and are erased when the node is fenced or
  rejoins. A write of the value already stored is skipped (so an agent re-asserting its
  promotion score on every monitor does not wake the controller).
* ``nodes`` (``-l forever``) - permanent node attributes: ``nodeattrs/<node>/<name>``.
* ``crm_config`` - cluster properties, read from the stored configuration; read-only.
"""

from __future__ import annotations

from lxml import etree

from buttress.daemon.records import DaemonKeys, NodeRecord
from buttress.errors import ButtressError
from buttress.exec import AttributeChannelError, NodeInfo, ResourcePlacement
from buttress.store import Store


class StoreAttributeBackend:
    """An :class:`buttress.exec.AttributeBackend` on the cluster's store."""

    def __init__(self, store: Store, keys: DaemonKeys, local_node: str) -> None:
        self.store = store
        self.keys = keys
        self.local_node = local_node

    def _key(self, scope: str, node: str | None, name: str) -> str:
        target = node or self.local_node
        try:
            if scope == "status":
                return self.keys.layout.attribute(target, name)
            if scope == "nodes":
                return self.keys.node_attribute(target, name)
        except ButtressError as exc:
            raise AttributeChannelError(str(exc)) from None
        raise AttributeChannelError(f"attributes of scope {scope!r} cannot be changed here")

    async def get(self, scope: str, node: str | None, name: str) -> str | None:
        try:
            if scope == "crm_config":
                return await self._property(name)
            kv = await self.store.get(self._key(scope, node, name))
        except ButtressError as exc:
            raise AttributeChannelError(str(exc)) from None
        return None if kv is None else kv.text

    async def set(self, scope: str, node: str | None, name: str, value: str) -> None:
        key = self._key(scope, node, name)
        try:
            current = await self.store.get(key)
            if current is None or current.text != value:
                await self.store.put(key, value)
        except ButtressError as exc:
            raise AttributeChannelError(str(exc)) from None

    async def delete(self, scope: str, node: str | None, name: str) -> None:
        try:
            await self.store.delete(self._key(scope, node, name))
        except ButtressError as exc:
            raise AttributeChannelError(str(exc)) from None

    async def get_all(self, scope: str, name: str) -> dict[str, str]:
        prefix = self.keys.layout.attributes_prefix() if scope == "status" \
            else self.keys.node_attributes_prefix()
        try:
            result = await self.store.range(prefix)
        except ButtressError as exc:
            raise AttributeChannelError(str(exc)) from None
        found = {}
        for kv in result.kvs:
            node, _, attr = kv.key[len(prefix):].partition("/")
            if attr == name:
                found[node] = kv.text
        return found

    async def _property(self, name: str) -> str | None:
        kv = await self.store.get(self.keys.layout.config())
        if kv is None:
            return None
        root = etree.fromstring(kv.value)
        for nvpair in root.iterfind("configuration/crm_config/cluster_property_set/nvpair"):
            if nvpair.get("name") == name:
                return nvpair.get("value")
        return None

    async def nodes(self) -> tuple[tuple[NodeInfo, ...], bool]:
        try:
            members = await self.store.range(self.keys.layout.members_prefix())
            records = await self.store.range(self.keys.nodes_prefix())
        except ButtressError as exc:
            raise AttributeChannelError(str(exc)) from None
        alive = {kv.key.rsplit("/", 1)[1] for kv in members.kvs}
        known = {kv.key.rsplit("/", 1)[1]: NodeRecord.decode(kv.value) for kv in records.kvs}
        names = sorted(alive | set(known))
        infos = tuple(NodeInfo(str(i + 1), name, "member" if name in alive else "lost")
                      for i, name in enumerate(names))
        return infos, True

    async def resources(self) -> tuple[ResourcePlacement, ...]:
        return ()

    async def force_action(self, resource_id: str, action: str) -> tuple[int, str]:
        raise AttributeChannelError("forcing resource actions is not supported by buttress")
