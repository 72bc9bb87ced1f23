"""``constraint ...`` commands."""

from __future__ import annotations

from buttress.cib.edit import constraints
from buttress.cib.edit.rules import parse_rule
from buttress.cib.edit.values import is_role, is_score, parse_pairs, split_pair
from buttress.cli.pcs import render
from buttress.cli.pcs.registry import Context, command, no_more, take_word
from buttress.errors import UsageError


@command("constraint location",
         "constraint location RESOURCE prefers|avoids NODE[=SCORE]... | "
         "constraint location RESOURCE rule [id=RULE_ID] [constraint-id=ID] "
         "[resource-discovery=always|never|exclusive] [role=ROLE] "
         "[score=SCORE|score-attribute=ATTR] EXPRESSION",
         "Prefer or avoid nodes, or place by a rule (RESOURCE may be regexp%PATTERN).")
def constraint_location(ctx: Context, words: list[str]) -> None:
    rsc = take_word(words, "resource id")
    verb = take_word(words, "'prefers', 'avoids' or 'rule'")
    if verb in ("prefers", "avoids"):
        if not words:
            raise UsageError(f"missing node after '{verb}'")
        for word in words:
            node, eq, score = word.partition("=")
            score = score if eq else "INFINITY"
            if verb == "avoids":
                score = score[1:] if score.startswith("-") else f"-{score}"
                if score.startswith("-+"):
                    score = "-" + score[2:]
            constraints.add_location_node(ctx.doc, rsc, node, score, ctx.opts.force)
    elif verb == "rule":
        opts, rule_words = constraints.split_rule_options(words)
        expr = parse_rule(rule_words)
        constraints.add_location_rule(ctx.doc, rsc, opts, expr, ctx.opts.force)
    else:
        raise UsageError(f"expected 'prefers', 'avoids' or 'rule' after the resource, "
                         f"got '{verb}'")
    ctx.modified = True


@command("constraint location add",
         "constraint location add ID RESOURCE NODE SCORE [resource-discovery=OPTION]",
         "Add a location constraint with a chosen id.")
def constraint_location_add(ctx: Context, words: list[str]) -> None:
    cid = take_word(words, "constraint id")
    rsc = take_word(words, "resource id")
    node = take_word(words, "node")
    score = take_word(words, "score")
    discovery = None
    for key, value in parse_pairs(words, "option"):
        if key != "resource-discovery":
            raise UsageError(f"invalid option '{key}': only resource-discovery is allowed")
        discovery = value
    constraints.add_location_node(ctx.doc, rsc, node, score, ctx.opts.force, cid, discovery)
    ctx.modified = True


@command("constraint location remove", "constraint location remove ID",
         "Remove a location constraint by id.", aliases=("constraint location delete",))
def constraint_location_remove(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing constraint id")
    constraints.remove_constraint(ctx.doc, words)
    ctx.modified = True


def _split_sets(words: list[str]) -> tuple[list[constraints.SetSpec], list[tuple[str, str]]]:
    sets: list[constraints.SetSpec] = []
    options: list[tuple[str, str]] = []
    current = constraints.SetSpec([])
    in_setoptions = False
    for word in words:
        if word == "set":
            if in_setoptions:
                raise UsageError("'setoptions' must come last")
            if current.resources or current.options:
                sets.append(current)
            current = constraints.SetSpec([])
        elif word == "setoptions":
            in_setoptions = True
        elif in_setoptions:
            options.extend(parse_pairs([word], "constraint option"))
        elif "=" in word:
            current.options.extend(parse_pairs([word], "set option"))
        else:
            if current.options:
                raise UsageError(f"resource '{word}' after set options: start a new 'set'")
            current.resources.append(word)
    if current.resources or current.options:
        sets.append(current)
    return sets, options


@command("constraint order",
         "constraint order [ACTION] RESOURCE then [ACTION] RESOURCE [kind=Optional|Mandatory|"
         "Serialize] [symmetrical=BOOL] [require-all=BOOL] [id=ID]",
         "Order two resources' actions (start by default).")
def constraint_order(ctx: Context, words: list[str]) -> None:
    if "then" not in words:
        raise UsageError("expected 'RESOURCE then RESOURCE'")
    at = words.index("then")
    before, after = words[:at], words[at + 1:]
    if len(before) == 1:
        first_action, first = "start", before[0]
    elif len(before) == 2:
        first_action, first = before
    else:
        raise UsageError("expected [ACTION] RESOURCE before 'then'")
    if not after:
        raise UsageError("missing resource after 'then'")
    if len(after) >= 2 and split_pair(after[1]) is None:
        then_action, then = after[0], after[1]
        rest = after[2:]
    else:
        then_action, then = "start", after[0]
        rest = after[1:]
    constraints.add_order(ctx.doc, first_action, first, then_action, then,
                          parse_pairs(rest, "order option"), ctx.opts.force)
    ctx.modified = True


@command("constraint order set",
         "constraint order set RESOURCE... [action=ACTION] [sequential=BOOL] "
         "[require-all=BOOL] [set RESOURCE... [...]] [setoptions [id=ID] [kind=KIND] "
         "[symmetrical=BOOL]]",
         "Order sets of resources.")
def constraint_order_set(ctx: Context, words: list[str]) -> None:
    sets, options = _split_sets(words)
    constraints.add_set_constraint(ctx.doc, "rsc_order", sets, options, ctx.opts.force)
    ctx.modified = True


@command("constraint order remove", "constraint order remove RESOURCE...",
         "Remove the resources from every order constraint.",
         aliases=("constraint order delete",))
def constraint_order_remove(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing resource id")
    removed = constraints.remove_constraints_referencing(ctx.doc, set(words), ("rsc_order",))
    if not removed:
        raise UsageError(f"no order constraint names {', '.join(words)}")
    ctx.modified = True


@command("constraint colocation add",
         "constraint colocation add [ROLE] RESOURCE with [ROLE] RESOURCE [SCORE] [id=ID] "
         "[node-attribute=ATTR]",
         "Place a resource with another (score INFINITY by default).")
def constraint_colocation_add(ctx: Context, words: list[str]) -> None:
    if "with" not in words:
        raise UsageError("expected 'RESOURCE with RESOURCE'")
    at = words.index("with")
    before, after = words[:at], words[at + 1:]
    rsc_role = None
    if len(before) == 2 and is_role(before[0]):
        rsc_role, rsc = before
    elif len(before) == 1:
        rsc = before[0]
    else:
        raise UsageError("expected [ROLE] RESOURCE before 'with'")
    with_role = None
    if len(after) >= 2 and is_role(after[0]) and split_pair(after[1]) is None \
            and not is_score(after[1]):
        with_role = after.pop(0)
    if not after:
        raise UsageError("missing resource after 'with'")
    with_rsc = after.pop(0)
    score = "INFINITY"
    if after and split_pair(after[0]) is None:
        score = after.pop(0)
        if not is_score(score):
            raise UsageError(f"invalid score '{score}': use an integer, INFINITY or -INFINITY")
    constraints.add_colocation(ctx.doc, rsc, with_rsc, score, rsc_role, with_role,
                               parse_pairs(after, "colocation option"), ctx.opts.force)
    ctx.modified = True


@command("constraint colocation set",
         "constraint colocation set RESOURCE... [role=ROLE] [sequential=BOOL] [set ...] "
         "[setoptions [id=ID] [score=SCORE]]",
         "Colocate sets of resources.")
def constraint_colocation_set(ctx: Context, words: list[str]) -> None:
    sets, options = _split_sets(words)
    constraints.add_set_constraint(ctx.doc, "rsc_colocation", sets, options, ctx.opts.force)
    ctx.modified = True


@command("constraint colocation remove", "constraint colocation remove RESOURCE RESOURCE",
         "Remove colocation constraints between two resources.",
         aliases=("constraint colocation delete",))
def constraint_colocation_remove(ctx: Context, words: list[str]) -> None:
    rsc = take_word(words, "resource id")
    with_rsc = take_word(words, "resource id")
    no_more(words)
    constraints.remove_pair_constraints(ctx.doc, "rsc_colocation",
                                        {"rsc": rsc, "with-rsc": with_rsc})
    ctx.modified = True


@command("constraint remove", "constraint remove ID...",
         "Remove constraints (or location rules) by id.", aliases=("constraint delete",
                                                                   "constraint rule remove",
                                                                   "constraint rule delete"))
def constraint_remove(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing constraint id")
    constraints.remove_constraint(ctx.doc, words)
    ctx.modified = True


@command("constraint ref", "constraint ref RESOURCE...",
         "List the constraints that name each resource.")
def constraint_ref(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing resource id")
    for rsc in words:
        ctx.print(f"Resource: {rsc}")
        for cid in constraints.constraint_refs(ctx.doc, rsc):
            ctx.print(f"  {cid}")


@command("constraint config", "constraint config [--full]", "Show every constraint.",
         ("--full", "--output", "--all"),
         aliases=("constraint show", "constraint list", "constraint location config",
                  "constraint order config", "constraint colocation config"))
def constraint_config(ctx: Context, words: list[str]) -> None:
    no_more(words)
    if ctx.opts.output == "json":
        import json

        data = json.loads(render.config_json(ctx.doc))
        ctx.print(json.dumps({k: data[k] for k in ("locations", "colocations", "orders",
                                                     "tickets")}, indent=2))
        return
    for line in render.constraints_text(ctx.doc):
        ctx.print(line)
