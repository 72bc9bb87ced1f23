"""``property ...`` and ``node ...`` commands."""

from __future__ import annotations

from buttress.cib.edit import properties
from buttress.cib.edit.values import parse_pairs
from buttress.cli.pcs import render
from buttress.cli.pcs.registry import Context, command, no_more
from buttress.errors import UsageError


@command("property set", "property set NAME=VALUE... | property set --node NODE NAME=VALUE...",
         "Set cluster properties (empty value unsets; unknown names need --force). With "
         "--node (pcs 0.9), set node attributes instead.", ("--node",))
def property_set(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing NAME=VALUE")
    pairs = parse_pairs(words, "property")
    node = ctx.opts.value("--node")
    if node is not None:
        properties.set_node_attributes(ctx.doc, node, pairs)
    else:
        properties.set_properties(ctx.doc, pairs, ctx.opts.force)
    ctx.modified = True


@command("property unset", "property unset NAME... | property unset --node NODE NAME...",
         "Remove cluster properties (or, with --node, node attributes).", ("--node",))
def property_unset(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing property name")
    node = ctx.opts.value("--node")
    if node is not None:
        properties.set_node_attributes(ctx.doc, node, [(n, "") for n in words])
    else:
        properties.unset_properties(ctx.doc, words, ctx.opts.force)
    ctx.modified = True


@command("property config", "property config", "Show the cluster properties.",
         ("--all", "--defaults", "--output"), aliases=("property show", "property list"))
def property_config(ctx: Context, words: list[str]) -> None:
    no_more(words)
    if ctx.opts.output == "json":
        import json

        ctx.print(json.dumps(dict(properties.properties(ctx.doc)), indent=2))
        return
    for line in render.properties_text(ctx.doc):
        ctx.print(line)


def _node_pairs(ctx: Context, words: list[str], set_tag: str) -> None:
    if not words:
        for line in render.node_attributes_text(ctx.doc, set_tag=set_tag):
            ctx.print(line)
        return
    node = words.pop(0)
    if not words:
        for line in render.node_attributes_text(ctx.doc, node, set_tag=set_tag):
            ctx.print(line)
        return
    pairs = parse_pairs(words, "node attribute")
    properties.set_node_attributes(ctx.doc, node, pairs, set_tag=set_tag)
    ctx.modified = True


@command("node attribute", "node attribute [NODE [NAME=VALUE...]]",
         "Show or set node attributes (empty value removes). A remote or guest node gets "
         "its node entry on first use.", ("--name",))
def node_attribute(ctx: Context, words: list[str]) -> None:
    _node_pairs(ctx, words, "instance_attributes")


@command("node utilization", "node utilization [NODE [NAME=VALUE...]]",
         "Show or set node utilization.", ("--name",))
def node_utilization(ctx: Context, words: list[str]) -> None:
    _node_pairs(ctx, words, "utilization")


def _flag(ctx: Context, words: list[str], flag: str, on: bool) -> None:
    names = list(words)
    if ctx.opts.flag("--all"):
        if names:
            raise UsageError("give node names or --all, not both")
        names = [str(n.get("uname") or n.get("id")) for n in ctx.doc.nodes.findall("node")]
    if not names:
        raise UsageError("name the nodes (or use --all): the local node is unknown offline")
    properties.set_node_flag(ctx.doc, names, flag, on)
    ctx.modified = True


@command("node standby", "node standby NODE... | --all",
         "Put nodes in standby (they run no resources).", ("--all",))
def node_standby(ctx: Context, words: list[str]) -> None:
    _flag(ctx, words, "standby", True)


@command("node unstandby", "node unstandby NODE... | --all", "Take nodes out of standby.",
         ("--all",))
def node_unstandby(ctx: Context, words: list[str]) -> None:
    _flag(ctx, words, "standby", False)


@command("node maintenance", "node maintenance NODE... | --all",
         "Put nodes in maintenance (their resources are left alone).", ("--all",))
def node_maintenance(ctx: Context, words: list[str]) -> None:
    _flag(ctx, words, "maintenance", True)


@command("node unmaintenance", "node unmaintenance NODE... | --all",
         "Take nodes out of maintenance.", ("--all",))
def node_unmaintenance(ctx: Context, words: list[str]) -> None:
    _flag(ctx, words, "maintenance", False)
