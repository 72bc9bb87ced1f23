"""``buttress simulate``: what the cluster would do with a CIB, in crm_simulate's format."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

from lxml import etree

from buttress.cib.reader import cib_from_element
from buttress.errors import CibError, UsageError
from buttress.model.cib import Cib
from buttress.scheduler import schedule
from buttress.simulate.execute import execute
from buttress.simulate.inject import inject_op, node_down, node_fail, node_up, parse_op_spec
from buttress.timeutil import parse_iso_datetime
from buttress.transition.graph import Transition
from buttress.transition.render import render_action, render_scores, render_summary


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"simulate: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="buttress simulate",
                description="Compute the transition Pacemaker would for a CIB, offline.")
    p.add_argument("-x", "--xml-file", required=True, help="the CIB to read")
    p.add_argument("-S", "--simulate", action="store_true",
                   help="run the transition with fake handlers and show the result")
    p.add_argument("-s", "--show-scores", action="store_true", help="show allocation scores")
    p.add_argument("-O", "--save-output", metavar="OUT", help="save the resulting CIB")
    p.add_argument("-t", "--set-datetime", metavar="DATE", help="the time to decide for")
    p.add_argument("-u", "--node-up", action="append", default=[], metavar="NODE")
    p.add_argument("-d", "--node-down", action="append", default=[], metavar="NODE")
    p.add_argument("-f", "--node-fail", action="append", default=[], metavar="NODE")
    p.add_argument("-i", "--op-inject", action="append", default=[], metavar="SPEC",
                   help="record RSC_OP_INTERVAL@NODE=RC before scheduling")
    p.add_argument("-F", "--op-fail", action="append", default=[], metavar="SPEC",
                   help="make that action return RC when the transition runs")
    p.add_argument("-Q", "--quiet", action="store_true", help="do not show cluster status")
    p.add_argument("--output", choices=("text", "json"), default="text")
    return p


def _load(path: str) -> etree._Element:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CibError(f"cannot read {path}: {exc.strerror}") from None
    try:
        parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False,
                                 no_network=True)
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CibError(f"malformed XML: {exc.msg}", "cib", exc.lineno) from None


def decision_time(root: etree._Element, override: str | None) -> int:
    """-t, else the CIB's execution-date, else the clock (read here, never by the scheduler)."""
    if override:
        try:
            return parse_iso_datetime(override)
        except ValueError:
            raise UsageError(f"invalid date {override!r}: expected ISO 8601") from None
    stamp = root.get("execution-date")
    if stamp and stamp.isdigit():
        return int(stamp)
    return int(time.time())


def _status(cib: Cib, now: int) -> str:
    try:
        from buttress.transition.status_text import render_status
    except ImportError:
        return "  (status rendering unavailable)"
    return render_status(cib, now)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    root = _load(args.xml_file)
    now = decision_time(root, args.set_datetime)
    for node in args.node_up:
        node_up(root, node)
    for node in args.node_down:
        node_down(root, node)
    for node in args.node_fail:
        node_fail(root, node)
    for spec in args.op_inject:
        inject_op(root, parse_op_spec(spec), now)
    failures = [parse_op_spec(spec) for spec in args.op_fail]
    cib = cib_from_element(root)
    transition = schedule(cib, now)
    revised: Cib | None = None
    if args.simulate or args.save_output:
        execute(root, transition, now, failures, cib)
        if args.simulate and not args.quiet and args.output == "text":
            revised = cib_from_element(root)
    if args.save_output:
        _write_atomically(args.save_output, root)
    if args.output == "json":
        json.dump(_as_json(transition, args.simulate), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    out: list[str] = []
    if not args.quiet:
        out += ["Current cluster status:", _status(cib, now), ""]
    if args.show_scores:
        out += ["Allocation scores:", render_scores(transition), ""]
    out += ["Transition Summary:", render_summary(transition), ""]
    if args.simulate:
        out += ["Executing Cluster Transition:"]
        out += [render_action(a) for a in transition.actions]
        out += [""]
        if revised is not None and not args.quiet:
            out += ["Revised Cluster Status:", _status(revised, now)]
    sys.stdout.write("\n".join(line for line in out) + "\n")
    return 0


def _as_json(transition: Transition, executed: bool) -> dict[str, Any]:
    return {
        "summary": [line.render().strip().lstrip("* ").strip() for line in transition.summary],
        "actions": [{"id": a.id, "task": a.task, "resource": a.resource, "node": a.node,
                     "interval_ms": a.interval_ms, "pseudo": a.pseudo, "reason": a.reason,
                     "requires": list(a.requires)} for a in transition.actions],
        "executed": executed,
    }


def _write_atomically(path: str, root: etree._Element) -> None:
    target = Path(path)
    data = etree.tostring(root, pretty_print=True, xml_declaration=False, encoding="unicode")
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
