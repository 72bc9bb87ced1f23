"""``cluster cib``, ``cluster cib-push``, ``status`` and ``config``."""

from __future__ import annotations

import importlib
import inspect
import time

from lxml import etree

from buttress.cib.edit.document import CibDocument
from buttress.cib.reader import cib_from_element
from buttress.cli.pcs import render
from buttress.cli.pcs.registry import Context, command, no_more
from buttress.errors import ButtressError, UsageError
from buttress.model.cib import Cib


class NotAvailableError(ButtressError):
    """A feature that depends on parts of Buttress that are not written yet."""


@command("cluster cib", "cluster cib [FILE] [scope=configuration|nodes|resources|"
         "constraints|crm_config|rsc_defaults|op_defaults|status] [--config]",
         "Print the CIB XML (or write it to FILE).", ("--config",))
def cluster_cib(ctx: Context, words: list[str]) -> None:
    target: str | None = None
    scope: str | None = None
    for word in words:
        if word.startswith("scope="):
            scope = word[len("scope="):]
        elif target is None:
            target = word
        else:
            raise UsageError(f"unexpected argument '{word}'")
    if ctx.opts.flag("--config"):
        scope = "configuration"
    element = ctx.doc.root
    if scope is not None:
        found = ctx.doc.root.find(scope) if scope in ("configuration", "status") else \
            ctx.doc.configuration.find(scope)
        if found is None:
            raise UsageError(f"the CIB has no '{scope}' section")
        element = found
    text = etree.tostring(element, pretty_print=True, encoding="unicode")
    if target is None:
        ctx.out.write(text)
    else:
        from buttress.cib.edit.atomic import write_atomic

        write_atomic(target, text.encode())


@command("cluster cib-push", "cluster cib-push FILE [--config]",
         "Replace the CIB with FILE (with --config: only its configuration section).",
         ("--config",))
def cluster_cib_push(ctx: Context, words: list[str]) -> None:
    if not words:
        raise UsageError("missing file name")
    source = words.pop(0)
    scope = None
    for word in words:
        if word.startswith("scope="):
            scope = word[len("scope="):]
        elif word.startswith("diff-against="):
            raise UsageError("diff-against is not supported; push the whole CIB")
        else:
            raise UsageError(f"unexpected argument '{word}'")
    new = CibDocument.load(source)
    cib_from_element(new.root)  # validates what Buttress understands
    if ctx.opts.flag("--config") or scope == "configuration":
        old_config = ctx.doc.configuration
        ctx.doc.root.replace(old_config, new.configuration)
    elif scope is not None:
        raise UsageError("only scope=configuration is supported")
    else:
        ctx.doc.root = new.root
    ctx.print("CIB updated")
    ctx.modified = True


@command("config", "config [--output json]", "Show the whole configuration.", ("--output",),
         aliases=("config show",))
def config(ctx: Context, words: list[str]) -> None:
    no_more(words)
    if ctx.opts.output == "json":
        ctx.print(render.config_json(ctx.doc))
    else:
        ctx.print(render.config_text(ctx.doc))


def _renderer(name: str) -> object | None:
    try:
        module = importlib.import_module("buttress.transition.status_text")
    except ImportError:
        return None
    return getattr(module, name, None)


def _status_args(func: object, cib: Cib, ctx: Context) -> tuple[object, ...]:
    """(cib,) or (cib, now): ``now`` is the CIB's execution-date, else the clock."""
    try:
        params = inspect.signature(func).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return (cib,)
    if len(params) < 2:
        return (cib,)
    stamp = ctx.doc.root.get("execution-date")
    now = int(stamp) if stamp is not None and stamp.isdigit() else int(time.time())
    return (cib, now)


@command("status", "status [--output json] [--full]",
         "Show the cluster status in crm_mon's layout (from the CIB's status section).",
         ("--output", "--full", "--hide-inactive", "--brief"),
         aliases=("status cluster", "cluster status", "resource status", "stonith status"))
def status(ctx: Context, words: list[str]) -> None:
    no_more(words)
    cib = cib_from_element(ctx.doc.root)
    name = "render_status_json" if ctx.opts.output == "json" else "render_status"
    func = _renderer(name)
    if func is None or not callable(func):
        what = "JSON status" if ctx.opts.output == "json" else "status"
        raise NotAvailableError(f"{what} is not available yet: the status renderer "
                                "(buttress.transition.status_text) is not written yet")
    text = func(*_status_args(func, cib, ctx))
    ctx.out.write(str(text) if str(text).endswith("\n") else f"{text}\n")
