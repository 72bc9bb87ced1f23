"""``stonith ...`` commands."""

from __future__ import annotations

from buttress.cib.edit import lifecycle, resources, stonith
from buttress.cli.pcs import render
from buttress.cli.pcs.cmd_resource import _metadata_of, _update_words, build_spec, describe_agent
from buttress.cli.pcs.registry import Context, command, no_more, take_word
from buttress.errors import UsageError


@command("stonith create",
         "stonith create ID AGENT [NAME=VALUE...] [op ACTION NAME=VALUE...] "
         "[meta NAME=VALUE...] [--disabled] [--force]",
         "Create a fencing device. An installed fence agent's meta-data validates the "
         "options; agents that are not installed need --force.",
         ("--disabled", "--group", "--before", "--after", "--agent-validation"))
def stonith_create(ctx: Context, words: list[str]) -> None:
    spec, metadata = build_spec(words, ctx.opts, stonith=True)
    if spec.wrapper in ("clone", "promotable"):
        raise UsageError("fencing devices cannot be cloned")
    resources.create_resource(ctx.doc, spec, metadata)
    ctx.modified = True


@command("stonith update", "stonith update ID [NAME=VALUE...] [op ...] [meta ...]",
         "Change the options of a fencing device.")
def stonith_update(ctx: Context, words: list[str]) -> None:
    rsc_id = take_word(words, "stonith id")
    el = ctx.doc.get_resource(rsc_id)
    if not ctx.doc.is_stonith(el):
        raise UsageError(f"'{rsc_id}' is not a fencing device; use 'resource update'")
    instance, ops, meta = _update_words(words)
    resources.update_resource(ctx.doc, rsc_id, instance, ops, meta,
                              _metadata_of(ctx.doc, rsc_id), ctx.opts.force)
    ctx.modified = True


@command("stonith delete", "stonith delete ID",
         "Remove a fencing device, its constraints and its place in fencing levels.",
         aliases=("stonith remove",))
def stonith_delete(ctx: Context, words: list[str]) -> None:
    rsc_id = take_word(words, "stonith id")
    no_more(words)
    el = ctx.doc.get_resource(rsc_id)
    if not ctx.doc.is_stonith(el):
        raise UsageError(f"'{rsc_id}' is not a fencing device; use 'resource delete'")
    resources.delete_resource(ctx.doc, rsc_id)
    ctx.print(f"Deleting Resource - {rsc_id}")
    ctx.modified = True


@command("stonith enable", "stonith enable ID...", "Allow the fencing devices to run.")
def stonith_enable(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing stonith id")
    lifecycle.set_target_role(ctx.doc, words, enabled=True)
    ctx.modified = True


@command("stonith disable", "stonith disable ID...", "Stop the fencing devices.")
def stonith_disable(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing stonith id")
    lifecycle.set_target_role(ctx.doc, words, enabled=False)
    ctx.modified = True


@command("stonith level add",
         "stonith level add LEVEL TARGET DEVICE[,DEVICE...] [DEVICE...] [id=ID]",
         "Add a fencing level: TARGET is a node, regexp%PATTERN or attrib%NAME=VALUE; "
         "devices may be comma- or space-separated.")
def stonith_level_add(ctx: Context, words: list[str]) -> None:
    index = take_word(words, "level")
    target = take_word(words, "target")
    level_id = None
    devices = []
    for word in words:
        if word.startswith("id="):
            level_id = word[3:]
        else:
            devices.append(word)
    stonith.add_level(ctx.doc, index, target, devices, ctx.opts.force, level_id)
    ctx.modified = True


@command("stonith level remove", "stonith level remove LEVEL [TARGET] [DEVICE...]",
         "Remove matching fencing levels.", aliases=("stonith level delete",))
def stonith_level_remove(ctx: Context, words: list[str]) -> None:
    index = take_word(words, "level")
    target = words.pop(0) if words else None
    stonith.remove_levels(ctx.doc, index, target, words)
    ctx.modified = True


@command("stonith level clear", "stonith level clear [TARGET]",
         "Remove every fencing level (of TARGET).")
def stonith_level_clear(ctx: Context, words: list[str]) -> None:
    target = words.pop(0) if words else None
    no_more(words)
    stonith.clear_levels(ctx.doc, target)
    ctx.modified = True


@command("stonith level config", "stonith level config", "Show the fencing levels.",
         aliases=("stonith level", "stonith level show"))
def stonith_level_config(ctx: Context, words: list[str]) -> None:
    no_more(words)
    for line in stonith.levels_text(ctx.doc):
        ctx.print(line)


@command("stonith config", "stonith config [ID...]",
         "Show fencing devices and levels.", ("--output", "--full"),
         aliases=("stonith show",))
def stonith_config(ctx: Context, words: list[str]) -> None:
    lines = render.resources_text(ctx.doc, words or None, stonith=True)
    for line in lines:
        ctx.print(line)
    levels = stonith.levels_text(ctx.doc)
    if levels and not words:
        ctx.print("Fencing Levels:")
        for line in levels:
            ctx.print("  " + line)


@command("stonith describe", "stonith describe AGENT",
         "Show the parameters of an installed fence agent.", needs_cib=False)
def stonith_describe(ctx: Context, words: list[str]) -> None:
    from buttress.agents.metadata import resolve_agent

    agent = resolve_agent(take_word(words, "agent name"), stonith=True)
    no_more(words)
    describe_agent(ctx, agent)
