"""``resource ...`` commands."""

from __future__ import annotations

from buttress.agents.metadata import AgentMetadata, AgentName, load_metadata, resolve_agent
from buttress.cib.edit import lifecycle, operations, properties, resources, wrappers
from buttress.cib.edit.document import CibDocument
from buttress.cib.edit.operations import OpSpec
from buttress.cib.edit.values import parse_pairs, split_pair
from buttress.cli.pcs import render
from buttress.cli.pcs.options import Options
from buttress.cli.pcs.parsing import parse_resource_words
from buttress.cli.pcs.registry import Context, command, no_more, take_word
from buttress.errors import UsageError

_CREATE_OPTS = ("--disabled", "--group", "--before", "--after", "--no-default-ops",
                "--agent-validation", "--future")


def metadata_for(agent: AgentName) -> AgentMetadata | None:
    return load_metadata(agent)


def build_spec(words: list[str], opts: Options, stonith: bool) -> tuple[
        resources.ResourceSpec, AgentMetadata | None]:
    rsc_id = take_word(words, "resource id")
    agent_text = take_word(words, "agent name")
    agent = resolve_agent(agent_text, stonith=stonith)
    if not stonith and agent.standard == "stonith":
        raise UsageError("use 'stonith create' to create a fencing device")
    parsed = parse_resource_words(words)
    spec = resources.ResourceSpec(
        rsc_id=rsc_id, agent=agent, instance=parsed.instance, ops=parsed.ops,
        meta=parsed.meta, wrapper=parsed.wrapper, wrapper_id=parsed.wrapper_id,
        wrapper_meta=parsed.wrapper_meta, wrapper_suffix=parsed.wrapper_suffix,
        disabled=opts.flag("--disabled"), force=opts.force,
        no_default_ops=opts.flag("--no-default-ops"))
    group = opts.value("--group")
    if group is not None:
        if spec.wrapper is not None:
            raise UsageError("a resource cannot be put in a group and cloned at once")
        spec.wrapper, spec.wrapper_id = "group", group
        spec.before, spec.after = opts.value("--before"), opts.value("--after")
    elif opts.value("--before") or opts.value("--after"):
        raise UsageError("--before and --after need --group")
    return spec, metadata_for(agent)


@command("resource create",
         "resource create ID [CLASS:[PROVIDER:]]TYPE [NAME=VALUE...] [op ACTION NAME=VALUE..."
         "] [meta NAME=VALUE...] [clone [ID] [NAME=VALUE...] | promotable [ID] [...] | "
         "--clone [...] | --master [...] | --group GROUP [--before|--after ID]] "
         "[--disabled] [--force]",
         "Create a resource. Installed agents' meta-data validates the options and gives the "
         "default operations; other agents need --force.", _CREATE_OPTS)
def resource_create(ctx: Context, words: list[str]) -> None:
    spec, metadata = build_spec(words, ctx.opts, stonith=False)
    resources.create_resource(ctx.doc, spec, metadata)
    ctx.modified = True


def _update_words(words: list[str]) -> tuple[list[tuple[str, str]], list[OpSpec],
                                             list[tuple[str, str]]]:
    parsed = parse_resource_words(words, allow_wrapper=False)
    return parsed.instance, parsed.ops, parsed.meta


def _metadata_of(doc: CibDocument, rsc_id: str) -> AgentMetadata | None:
    el = doc.get_resource(rsc_id)
    if el.tag != "primitive":
        return None
    agent = AgentName(str(el.get("class")), str(el.get("type")), el.get("provider"))
    return load_metadata(agent)


@command("resource update", "resource update ID [NAME=VALUE...] [op ACTION NAME=VALUE...] "
         "[meta NAME=VALUE...] [--force]",
         "Change instance attributes (empty value removes), operations (replacing the first "
         "of the same action) and meta attributes; on a clone or group: its meta attributes.")
def resource_update(ctx: Context, words: list[str]) -> None:
    rsc_id = take_word(words, "resource id")
    instance, ops, meta = _update_words(words)
    resources.update_resource(ctx.doc, rsc_id, instance, ops, meta,
                              _metadata_of(ctx.doc, rsc_id), ctx.opts.force)
    ctx.modified = True


@command("resource meta", "resource meta ID NAME=VALUE...",
         "Set meta attributes of a resource, group or clone (empty value removes).")
def resource_meta(ctx: Context, words: list[str]) -> None:
    rsc_id = take_word(words, "resource id")
    if not words:
        raise UsageError("missing NAME=VALUE")
    resources.set_meta(ctx.doc, rsc_id, parse_pairs(words, "meta attribute"))
    ctx.modified = True


@command("resource delete", "resource delete ID",
         "Remove a resource with its constraints (and its clone, or its group if it was the "
         "last member).", aliases=("resource remove",))
def resource_delete(ctx: Context, words: list[str]) -> None:
    rsc_id = take_word(words, "resource id")
    no_more(words)
    removed = resources.delete_resource(ctx.doc, rsc_id)
    ctx.print(f"Deleting Resource - {', '.join(removed)}")
    ctx.modified = True


@command("resource op add", "resource op add ID ACTION [NAME=VALUE...]",
         "Add an operation to a primitive.")
def resource_op_add(ctx: Context, words: list[str]) -> None:
    rsc_id = take_word(words, "resource id")
    action = take_word(words, "operation action")
    el = ctx.doc.get_resource(rsc_id)
    if el.tag != "primitive":
        raise UsageError(f"'{rsc_id}' is a {el.tag}: operations belong to primitives")
    operations.add_op(ctx.doc, el, OpSpec(action, parse_pairs(words, "operation option")),
                      force=ctx.opts.force)
    ctx.modified = True


@command("resource op remove", "resource op remove ID ACTION [NAME=VALUE...] | "
         "resource op remove OP_ID",
         "Remove the matching operations of a primitive, or one operation by id.",
         aliases=("resource op delete",))
def resource_op_remove(ctx: Context, words: list[str]) -> None:
    first = take_word(words, "resource id or operation id")
    el = ctx.doc.find_resource(first)
    if el is None and not words:
        operations.remove_op_by_id(ctx.doc, first)
    else:
        el = ctx.doc.get_resource(first)
        action = take_word(words, "operation action")
        operations.remove_ops(el, action, parse_pairs(words, "operation option"))
    ctx.modified = True


def _defaults(ctx: Context, words: list[str], section: str) -> None:
    if words and words[0] in ("update", "set"):
        words = words[1:]
        if words and words[0] == "create":
            raise UsageError("named default sets are not supported; use NAME=VALUE")
    if words and words[0] in ("config", "show"):
        no_more(words[1:])
        words = []
    if not words:
        for line in render.defaults_text(ctx.doc, section):
            ctx.print(line)
        return
    properties.set_defaults(ctx.doc, section, parse_pairs(words, "default"))
    ctx.modified = True


@command("resource defaults", "resource defaults [update] [NAME=VALUE...]",
         "Show or set resource defaults (rsc_defaults meta attributes).")
def resource_defaults(ctx: Context, words: list[str]) -> None:
    _defaults(ctx, words, "rsc_defaults")


@command("resource op defaults", "resource op defaults [update] [NAME=VALUE...]",
         "Show or set operation defaults (op_defaults meta attributes).")
def resource_op_defaults(ctx: Context, words: list[str]) -> None:
    _defaults(ctx, words, "op_defaults")


def _ids(words: list[str]) -> list[str]:
    if not words:
        raise UsageError("missing resource id")
    return words


@command("resource enable", "resource enable ID...",
         "Let the cluster start the resources (removes target-role).")
def resource_enable(ctx: Context, words: list[str]) -> None:
    lifecycle.set_target_role(ctx.doc, _ids(words), enabled=True)
    ctx.modified = True


@command("resource disable", "resource disable ID...",
         "Stop the resources and keep them stopped (target-role=Stopped).")
def resource_disable(ctx: Context, words: list[str]) -> None:
    lifecycle.set_target_role(ctx.doc, _ids(words), enabled=False)
    ctx.modified = True


@command("resource manage", "resource manage ID...",
         "Put the resources back under cluster control (removes is-managed).")
def resource_manage(ctx: Context, words: list[str]) -> None:
    lifecycle.set_managed(ctx.doc, _ids(words), managed=True)
    ctx.modified = True


@command("resource unmanage", "resource unmanage ID...",
         "Leave the resources alone (is-managed=false).")
def resource_unmanage(ctx: Context, words: list[str]) -> None:
    lifecycle.set_managed(ctx.doc, _ids(words), managed=False)
    ctx.modified = True


@command("resource cleanup", "resource cleanup [ID] [--node NODE]",
         "Forget the operation history and fail counts of a resource (all without ID).",
         ("--node", "--all", "--strict"), aliases=("resource refresh",))
def resource_cleanup(ctx: Context, words: list[str]) -> None:
    rsc = words.pop(0) if words else None
    no_more(words)
    count = lifecycle.cleanup(ctx.doc, rsc, ctx.opts.value("--node"))
    ctx.print(f"Cleaned up {count} history entr{'y' if count == 1 else 'ies'}")
    ctx.modified = count > 0


def _move_args(ctx: Context, words: list[str]) -> tuple[str, str | None, str | None,
                                                         str | None]:
    role = None
    if "--master" in words or ctx.opts.flag("--promoted"):
        role = "Promoted"
    words = [w for w in words if w != "--master"]
    rsc = take_word(words, "resource id")
    lifetime = None
    node = None
    for word in words:
        pair = split_pair(word)
        if pair is not None and pair[0] == "lifetime":
            lifetime = pair[1]
        elif node is None and pair is None:
            node = word
        else:
            raise UsageError(f"unexpected argument '{word}'")
    lifetime = lifetime or ctx.opts.value("--lifetime")
    return rsc, node, role, lifetime


@command("resource move", "resource move ID NODE [lifetime=DATE] [--promoted]",
         "Prefer NODE for the resource (cli-prefer constraint).",
         ("--promoted", "--lifetime", "--strict"), aliases=("resource move-with-constraint",))
def resource_move(ctx: Context, words: list[str]) -> None:
    rsc, node, role, lifetime = _move_args(ctx, words)
    lifecycle.move(ctx.doc, rsc, node, role, lifetime)
    ctx.modified = True


@command("resource ban", "resource ban ID NODE [lifetime=DATE] [--promoted]",
         "Keep the resource off NODE (cli-ban constraint).", ("--promoted", "--lifetime"))
def resource_ban(ctx: Context, words: list[str]) -> None:
    rsc, node, role, lifetime = _move_args(ctx, words)
    lifecycle.ban(ctx.doc, rsc, node, role, lifetime)
    ctx.modified = True


@command("resource clear", "resource clear ID [NODE]",
         "Remove the constraints move and ban created.", ("--promoted",),
         aliases=("resource unmove",))
def resource_clear(ctx: Context, words: list[str]) -> None:
    words = [w for w in words if w != "--master"]
    rsc = take_word(words, "resource id")
    node = words.pop(0) if words else None
    no_more(words)
    lifecycle.clear(ctx.doc, rsc, node)
    ctx.modified = True


@command("resource group add", "resource group add GROUP ID... [--before ID | --after ID]",
         "Put primitives in a group (created if needed), in the given order.",
         ("--before", "--after"))
def resource_group_add(ctx: Context, words: list[str]) -> None:
    group = take_word(words, "group id")
    wrappers.group_add(ctx.doc, group, words, ctx.opts.value("--before"),
                       ctx.opts.value("--after"))
    ctx.modified = True


@command("resource group remove", "resource group remove GROUP [ID...]",
         "Take members out of a group (all without IDs); an empty group is removed.",
         aliases=("resource group delete", "resource ungroup"))
def resource_group_remove(ctx: Context, words: list[str]) -> None:
    group = take_word(words, "group id")
    wrappers.group_remove(ctx.doc, group, words)
    ctx.modified = True


def _clone(ctx: Context, words: list[str], promotable: bool) -> None:
    # pcs 0.9 wrote "resource master [MASTER_ID] RESOURCE": accept that order too.
    if len(words) >= 2 and ctx.doc.find_resource(words[0]) is None and \
            ctx.doc.find_resource(words[1]) is not None and "=" not in words[1]:
        words[0], words[1] = words[1], words[0]
    rsc = take_word(words, "resource id")
    clone_id = None
    if words and "=" not in words[0] and words[0] != "meta":
        clone_id = words.pop(0)
    words = [w for w in words if w != "meta"]
    wrappers.clone_resource(ctx.doc, rsc, clone_id, parse_pairs(words, "clone option"),
                            promotable)
    ctx.modified = True


@command("resource clone", "resource clone ID [CLONE_ID] [NAME=VALUE...]",
         "Clone a primitive or group (clone id ID-clone by default).")
def resource_clone(ctx: Context, words: list[str]) -> None:
    _clone(ctx, words, promotable=False)


@command("resource promotable", "resource promotable ID [CLONE_ID] [NAME=VALUE...]",
         "Make a promotable clone of a primitive or group (pcs 0.9's 'resource master "
         "[MASTER_ID] ID' works too).", aliases=("resource master",))
def resource_promotable(ctx: Context, words: list[str]) -> None:
    _clone(ctx, words, promotable=True)


@command("resource unclone", "resource unclone ID", "Replace a clone by its resource.")
def resource_unclone(ctx: Context, words: list[str]) -> None:
    rsc = take_word(words, "resource or clone id")
    no_more(words)
    wrappers.unclone(ctx.doc, rsc)
    ctx.modified = True


@command("resource config", "resource config [ID...]",
         "Show the configuration of resources (all without IDs).", ("--output", "--full"),
         aliases=("resource show",))
def resource_config(ctx: Context, words: list[str]) -> None:
    if ctx.opts.output == "json":
        ctx.print(render.config_json(ctx.doc))
        return
    for line in render.resources_text(ctx.doc, words or None):
        ctx.print(line)


@command("resource describe", "resource describe [CLASS:[PROVIDER:]]TYPE",
         "Show the parameters and default operations of an installed agent.",
         needs_cib=False, aliases=("resource describe-agent",))
def resource_describe(ctx: Context, words: list[str]) -> None:
    text = take_word(words, "agent name")
    no_more(words)
    stonith = text.startswith("stonith:")
    agent = resolve_agent(text, stonith=stonith)
    describe_agent(ctx, agent)


def describe_agent(ctx: Context, agent: AgentName) -> None:
    from buttress.agents.metadata import AgentError

    metadata = load_metadata(agent)
    if metadata is None:
        raise AgentError(f"agent '{agent}' is not installed or does not provide valid metadata")
    ctx.print(f"{agent} - {metadata.shortdesc}")
    ctx.print("")
    ctx.print("Resource options:")
    for param in metadata.parameters:
        flags = " (required)" if param.required else ""
        flags += " (deprecated)" if param.deprecated else ""
        ctx.print(f"  {param.name}{flags}: {param.shortdesc}")
    ops = operations.default_ops(metadata, agent.standard == "stonith")
    ctx.print("")
    ctx.print("Default operations:")
    for op in ops:
        ctx.print(f"  {op.name}: " + " ".join(f"{k}={v}" for k, v in op.options))
