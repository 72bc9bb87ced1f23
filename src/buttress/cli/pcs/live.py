"""Live mode of the pcs-compatible commands: the same commands on a running cluster's store.

Without ``-f``, a command acts on the cluster whose etcd is named by ``--store ENDPOINT``
or ``$BUTTRESS_STORE`` (``--cluster NAME`` / ``$BUTTRESS_CLUSTER``, default the daemons'
default cluster name; ``$BUTTRESS_STORE_TIMEOUT`` seconds bound each request, default 3).

* Read-only commands (:func:`is_read_only`: ``status``, ``config``, ``* config``,
  ``cluster cib``...) run on the live CIB, read as :func:`buttress.daemon.livecib.fetch_cib`
  reads it (one snapshot, :func:`~buttress.daemon.livecib.build_cib`): the stored
  configuration plus the synthesized status section, with secret values (passwords)
  replaced by ``******``. ``status`` starts with the leader and its last pass and ends
  with the evacuations of fence_nova-fenced nodes (phase, timing, each instance);
  ``status --output json`` prints the daemons' status summary (no parameters at all).
* Every other command reads the configuration key (``KeyLayout.config()``), runs the very
  handler the offline mode runs on that document and, when the handler changed it, writes
  it back in one transaction guarded by the key's ``mod_revision`` (or by its absence).
  When another writer got in between, the command is run again on the new configuration
  (up to :data:`ATTEMPTS` times, with a short random pause); its output is shown only for
  the run that was written, so nothing is printed twice and no update is ever lost. A
  failing command writes nothing.
* A ``******`` secret value in what is written back (``cluster cib FILE`` masks them, and
  ``cluster cib-push FILE`` returns them) is replaced by the stored value of the same
  nvpair; a masked value with no stored counterpart is refused. A whole-CIB push older
  than the stored configuration (admin_epoch, epoch) is refused, as Pacemaker does; its
  status section is dropped (the live status comes from the store).
* ``resource cleanup`` is refused: live operation history lives in the store's history
  keys, which this module does not edit yet.

An unreachable store is one line (``no cluster is reachable: etcd at ... is unreachable``)
and exit status 1.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from buttress.cib.edit.document import CibDocument, Element
from buttress.cli.pcs.options import Options
from buttress.cli.pcs.registry import Command, Context, no_more
from buttress.errors import ButtressError, UsageError
from buttress.store import Compare, KeyLayout, KeyValue, Put, StoreError, StoreUnavailable

if TYPE_CHECKING:
    from buttress.daemon.livecib import Snapshot

ENV_STORE = "BUTTRESS_STORE"
ENV_CLUSTER = "BUTTRESS_CLUSTER"
ENV_TIMEOUT = "BUTTRESS_STORE_TIMEOUT"
DEFAULT_TIMEOUT = 3.0
#: How many times a command is run against a configuration that keeps changing under it.
ATTEMPTS = 10
#: What livecib writes in place of a secret value.
MASK = "******"

#: Commands that only show: they run on the redacted live CIB and never write.
READ_ONLY = frozenset({
    ("status",), ("config",), ("cluster", "cib"), ("constraint", "config"),
    ("constraint", "ref"), ("resource", "config"), ("stonith", "config"),
    ("stonith", "level", "config"), ("property", "config"),
})
#: ``node attribute [NODE]`` without NAME=VALUE only shows.
_SHOW_WITH_FEW_WORDS = frozenset({("node", "attribute"), ("node", "utilization")})
#: Commands refused in live mode, and why.
UNSUPPORTED: dict[tuple[str, ...], str] = {
    ("resource", "cleanup"): "'resource cleanup' is not supported on the live cluster yet "
                             "(its operation history lives in the store, not in the CIB)",
}


class NoClusterError(ButtressError):
    """The store cannot be reached (or none is configured): one line, exit status 1."""

    exit_code = 1


class ConflictError(ButtressError):
    """The configuration changed under the command every time it tried to write."""

    exit_code = 1


@dataclass(frozen=True)
class Target:
    """Where the live cluster is: its etcd endpoint(s), cluster name and request timeout."""

    endpoint: str
    cluster: str
    timeout: float = DEFAULT_TIMEOUT

    @property
    def layout(self) -> KeyLayout:
        return KeyLayout(self.cluster)


def _default_cluster() -> str:
    from buttress.cli.agent import DEFAULT_CLUSTER

    return DEFAULT_CLUSTER


def target_of(opts: Options) -> Target | None:
    """The live target the options and environment name, or None when nothing is set."""
    endpoint = opts.value("--store")
    if endpoint is None:
        endpoint = os.environ.get(ENV_STORE, "")
    elif not endpoint.strip():
        raise UsageError("option '--store' needs an endpoint (HOST:PORT)")
    endpoint = endpoint.strip()
    if not endpoint:
        return None
    cluster = opts.value("--cluster") or os.environ.get(ENV_CLUSTER) or _default_cluster()
    try:
        KeyLayout(cluster)
    except StoreError:
        raise UsageError(f"invalid cluster name '{cluster}'") from None
    raw = os.environ.get(ENV_TIMEOUT, "")
    try:
        timeout = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not timeout > 0:
        raise UsageError(f"invalid ${ENV_TIMEOUT} '{raw}': expected seconds > 0")
    return Target(endpoint, cluster, timeout)


def is_read_only(cmd: Command, words: list[str]) -> bool:
    if cmd.path in READ_ONLY:
        return True
    return cmd.path in _SHOW_WITH_FEW_WORDS and len(words) <= 1


def run(cmd: Command, opts: Options, words: list[str], target: Target) -> None:
    """Run ``cmd`` on the live cluster at ``target`` (module docstring)."""
    reason = UNSUPPORTED.get(cmd.path)
    if reason is not None:
        raise ButtressError(reason)
    try:
        if is_read_only(cmd, words):
            _show(cmd, opts, words, target)
        else:
            _edit(cmd, opts, words, target)
    except StoreUnavailable as exc:
        raise NoClusterError(f"no cluster is reachable: {exc}") from None


# -- read-only ---------------------------------------------------------------------------

def _snapshot(target: Target) -> Snapshot:
    """One consistent read of the whole cluster (livecib.read_snapshot)."""
    from buttress.daemon.livecib import read_snapshot
    from buttress.daemon.records import DaemonKeys
    from buttress.store import EtcdStore

    async def body() -> Snapshot:
        store = EtcdStore(target.endpoint, timeout=target.timeout)
        try:
            return await read_snapshot(store, DaemonKeys.of(target.cluster))
        finally:
            await store.close()

    return asyncio.run(body())


def _show(cmd: Command, opts: Options, words: list[str], target: Target) -> None:
    from buttress.daemon.livecib import build_cib

    snap = _snapshot(target)
    doc = CibDocument(build_cib(snap, redact=True))
    if cmd.path == ("status",):
        _status(cmd, Context(opts, doc), words, snap)
        return
    cmd.handler(Context(opts, doc), list(words))
    # never written back: the document is redacted and carries the synthesized status


def _status(cmd: Command, ctx: Context, words: list[str], snap: Snapshot) -> None:
    """``status``: who leads and its last pass, then crm_mon's block; with ``--output
    json`` the summary ``buttress sandbox status --output json`` prints."""
    from buttress.daemon.view import summary

    no_more(list(words))
    if ctx.opts.output == "json":
        nodes = [str(n.get("uname")) for n in ctx.doc.nodes.findall("node") if n.get("uname")]
        nodes += sorted(set(snap.members) - set(nodes))
        ctx.print(json.dumps(summary(snap, nodes), indent=2, sort_keys=True))
        return
    from buttress.daemon.view import evacuations, render_evacuations

    leader = (snap.leader or "").split(":", 1)[0] or "none"
    ctx.print(f"Leader: {leader}")
    ctx.print(f"Last pass: {snap.controller_status.get('sentence') or '-'}")
    ctx.print()
    cmd.handler(ctx, list(words))
    block = render_evacuations(evacuations(snap))
    if block:
        ctx.print()
        for line in block:
            ctx.print(line)


# -- editing -----------------------------------------------------------------------------

def _edit(cmd: Command, opts: Options, words: list[str], target: Target) -> None:
    from buttress.store import EtcdStore

    key = target.layout.config()
    with asyncio.Runner() as runner:
        store = EtcdStore(target.endpoint, timeout=target.timeout)
        try:
            for _attempt in range(ATTEMPTS):
                kv = runner.run(store.get(key))
                if kv is not None:
                    stored = kv.value
                    guard = Compare.mod_revision(key, "==", kv.mod_revision)
                else:
                    stored = _empty_cib(runner.run(store.range(target.layout.members_prefix())
                                                   ).kvs, target.layout)
                    guard = Compare.absent(key)
                ctx = Context(opts, CibDocument.from_bytes(stored), out=io.StringIO(),
                              err=io.StringIO())
                try:
                    cmd.handler(ctx, list(words))
                    if ctx.modified:
                        _prepare(cmd, ctx.doc, CibDocument.from_bytes(stored))
                        ctx.doc.bump_epoch()
                except BaseException:
                    _flush(ctx)
                    raise
                if not ctx.modified:
                    _flush(ctx)
                    return
                result = runner.run(store.txn([guard], [Put.of(key, ctx.doc.to_bytes())]))
                if result.succeeded:
                    _flush(ctx)
                    return
                time.sleep(random.uniform(0.0, 0.02 * (_attempt + 1)))  # let the winner go
            raise ConflictError(f"the configuration of cluster '{target.cluster}' changed "
                                f"under this command {ATTEMPTS} times in a row; nothing was "
                                "written, try again")
        finally:
            runner.run(store.close())


def _flush(ctx: Context) -> None:
    import sys

    assert isinstance(ctx.out, io.StringIO) and isinstance(ctx.err, io.StringIO)
    sys.stdout.write(ctx.out.getvalue())
    sys.stderr.write(ctx.err.getvalue())


def _empty_cib(members: tuple[KeyValue, ...], layout: KeyLayout) -> bytes:
    """A first configuration: empty sections and one node per live member."""
    root = etree.Element("cib", {"validate-with": "pacemaker-3.9", "epoch": "0",
                                 "num_updates": "0", "admin_epoch": "0"})
    config = etree.SubElement(root, "configuration")
    etree.SubElement(config, "crm_config")
    nodes = etree.SubElement(config, "nodes")
    names = sorted(layout.parse(kv.key)[1] for kv in members)
    for index, name in enumerate(names, start=1):
        etree.SubElement(nodes, "node", id=str(index), uname=name)
    etree.SubElement(config, "resources")
    etree.SubElement(config, "constraints")
    return etree.tostring(root)


def _prepare(cmd: Command, doc: CibDocument, stored: CibDocument) -> None:
    """Checks and repairs before a changed document is written (module docstring)."""
    if cmd.path == ("cluster", "cib-push"):
        if _version(doc.root) < _version(stored.root):
            raise ButtressError(
                "the pushed CIB is older than the cluster's configuration (epoch "
                f"{'.'.join(map(str, _version(doc.root)))} < "
                f"{'.'.join(map(str, _version(stored.root)))}): it changed since the file "
                "was read; read it again with 'cluster cib'")
        for status in doc.root.findall("status"):
            doc.root.remove(status)
    _restore_secrets(doc, stored)


def _version(root: Element) -> tuple[int, int]:
    def number(name: str) -> int:
        text = root.get(name, "0")
        return int(text) if text.isdigit() else 0

    return number("admin_epoch"), number("epoch")


def _restore_secrets(doc: CibDocument, stored: CibDocument) -> None:
    from buttress.fencing.device import is_secret

    by_id: dict[str, str] = {}
    by_owner: dict[tuple[str, str], str] = {}
    for nv in stored.root.iter("nvpair"):
        name = nv.get("name") or ""
        if is_secret(name) and nv.get("value") is not None:
            value = str(nv.get("value"))
            if nv.get("id"):
                by_id[str(nv.get("id"))] = value
            by_owner[(_owner(nv), name)] = value
    for nv in doc.root.iter("nvpair"):
        name = nv.get("name") or ""
        if not is_secret(name) or nv.get("value") != MASK:
            continue
        found = by_id.get(str(nv.get("id")), by_owner.get((_owner(nv), name)))
        if found is None:
            raise ButtressError(f"refusing to store the masked value '{MASK}' of '{name}' "
                                f"({_owner(nv) or 'nvpair ' + str(nv.get('id'))}): give the "
                                "real value")
        nv.set("value", found)


def _owner(nv: Element) -> str:
    """The id of the element whose attribute set holds ``nv`` (a resource, usually)."""
    nvset = nv.getparent()
    owner = nvset.getparent() if nvset is not None else None
    return str(owner.get("id") or "") if owner is not None else ""


__all__ = ["ENV_CLUSTER", "ENV_STORE", "ENV_TIMEOUT", "NoClusterError", "Target",
           "is_read_only", "run", "target_of"]
