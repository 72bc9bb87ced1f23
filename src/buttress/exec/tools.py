"""Pacemaker-compatible helper commands for resource agents, served by the node agent.

Agents call ``crm_attribute``, ``crm_master`` (through ``ocf_promotion_score``),
``attrd_updater``, ``crm_node``, ``crm_resource`` and ``crm_mon``. :func:`install_helper_bin`
writes one tiny ``/bin/sh`` wrapper per command into a directory that the runners put
first on ``PATH`` *and* export as ``HA_SBIN_DIR`` (ocf-shellfuncs and Stateful call
``${HA_SBIN_DIR}/crm_attribute``), so a Pacemaker installed on the host is never reached.
Each wrapper runs ``python -m buttress.exec.tools NAME ARGS...``, which talks to the local
node agent through :mod:`buttress.exec.attrd` (socket from ``$BUTTRESS_ATTRD_SOCKET``, local
node from ``$BUTTRESS_NODE_NAME``).

Only the options agents use are implemented; anything else exits 3 ("unimplemented").
Exit codes follow Pacemaker's: 0 ok, 64 usage, 102 channel unreachable, 105 no such
attribute.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from buttress.exec.attrd import NODE_ENV, SOCKET_ENV, AttributeChannelError, call
from buttress.exec.helperbin import TOOLS

EX_OK = 0
EX_ERROR = 1
EX_UNIMPLEMENTED = 3
EX_USAGE = 64
EX_NOT_CONNECTED = 102
EX_NOSUCH = 105
_ON_NODE_ENV = "OCF_RESKEY_CRM_meta_on_node"



class _ToolExit(Exception):
    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ToolExit(EX_USAGE, f"{self.prog}: {message}")


def _request(op: str, **fields: Any) -> dict[str, Any]:
    socket_path = os.environ.get(SOCKET_ENV)
    if not socket_path:
        raise _ToolExit(EX_NOT_CONNECTED, f"{SOCKET_ENV} is not set: no node agent to talk to")
    try:
        return call(socket_path, {"op": op, **fields})
    except AttributeChannelError as exc:
        raise _ToolExit(EX_NOT_CONNECTED, str(exc)) from exc


def _local_node() -> str:
    name = os.environ.get(NODE_ENV) or os.environ.get(_ON_NODE_ENV)
    if name:
        return name
    return str(_request("nodes")["local"])


def _attr_scope(lifetime: str | None, section: str | None, node_given: bool) -> str:
    if section:
        return section
    if lifetime in ("reboot", "status"):
        return "status"
    if lifetime in ("forever", "nodes"):
        return "nodes"
    if lifetime is not None:
        raise _ToolExit(EX_USAGE, f"invalid lifetime {lifetime!r} (use reboot or forever)")
    return "nodes" if node_given else "crm_config"


def _split_promotion(argv: Sequence[str]) -> tuple[list[str], bool, str | None]:
    """glib's optional-argument ``-p[RSC]`` / ``--promotion[=RSC]``: never takes the next word."""
    rest: list[str] = []
    promotion = False
    resource: str | None = None
    for arg in argv:
        if arg in ("-p", "--promotion"):
            promotion = True
        elif arg.startswith("--promotion="):
            promotion, resource = True, arg.split("=", 1)[1]
        elif arg.startswith("-p") and not arg.startswith("--"):
            promotion, resource = True, arg[2:]
        else:
            rest.append(arg)
    return rest, promotion, resource


def _attribute_command(prog: str, argv: Sequence[str], promotion: bool,
                       promo_rsc: str | None, default_lifetime: str | None) -> int:
    parser = _Parser(prog=prog, add_help=False)
    parser.add_argument("-G", "--query", "--get-value", "-Q", action="store_true")
    parser.add_argument("-v", "--update", "--attr-value")
    parser.add_argument("-D", "--delete", "--delete-attr", action="store_true")
    parser.add_argument("-n", "--name", "--attr-name")
    parser.add_argument("-N", "--node", "-U", "--uname")
    parser.add_argument("-l", "--lifetime")
    parser.add_argument("-t", "--type")
    parser.add_argument("-z", "--utilization", action="store_true")
    parser.add_argument("-d", "--default")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("-i", "--id", "--attr-id")
    parser.add_argument("-s", "--set-name")
    parser.add_argument("-r", "--resource")
    parser.add_argument("-V", "--verbose", action="count")
    opts = parser.parse_args(list(argv))
    lifetime = opts.lifetime or default_lifetime
    if promotion:
        resource = promo_rsc or opts.resource or os.environ.get("OCF_RESOURCE_INSTANCE")
        if not resource:
            raise _ToolExit(EX_USAGE, f"{prog}: no resource: set -r or OCF_RESOURCE_INSTANCE")
        name = f"master-{resource}"
        lifetime = lifetime or "reboot"
    else:
        name = opts.name
    if not name:
        raise _ToolExit(EX_USAGE, f"{prog}: an attribute name (-n) is required")
    section = "utilization" if opts.utilization else opts.type
    scope = _attr_scope(lifetime, section, bool(opts.node) or promotion)
    node = None if scope == "crm_config" else (opts.node or _local_node())
    fields = {"scope": scope, "node": node, "name": name}
    if opts.update is not None:
        _request("set", value=opts.update, **fields)
        return EX_OK
    if opts.delete:
        _request("delete", **fields)
        return EX_OK
    value = _request("get", **fields).get("value")
    if value is None:
        if opts.default is None:
            raise _ToolExit(EX_NOSUCH, "Error performing operation: No such device or address")
        value = opts.default
    if opts.quiet:
        print(value)
    else:
        print(f"scope={scope}  name={name} value={value}")
    return EX_OK


def crm_attribute(argv: Sequence[str]) -> int:
    rest, promotion, resource = _split_promotion(argv)
    return _attribute_command("crm_attribute", rest, promotion, resource, None)


def crm_master(argv: Sequence[str]) -> int:
    """Deprecated Pacemaker wrapper: promotion score, lifetime "forever" unless -l."""
    return _attribute_command("crm_master", argv, True, None, "forever")


def attrd_updater(argv: Sequence[str]) -> int:
    parser = _Parser(prog="attrd_updater", add_help=False)
    parser.add_argument("-n", "--name", required=True)
    parser.add_argument("-U", "--update", "-v")
    parser.add_argument("-B", "--update-both")
    parser.add_argument("-D", "--delete", action="store_true")
    parser.add_argument("-Q", "--query", action="store_true")
    parser.add_argument("-A", "--all", action="store_true")
    parser.add_argument("-N", "--node")
    parser.add_argument("-R", "--refresh", action="store_true")
    parser.add_argument("-d", "--delay")
    parser.add_argument("-s", "--set")
    parser.add_argument("-p", "--private", action="store_true")
    parser.add_argument("-q", "--quiet", action="store_true")
    opts = parser.parse_args(list(argv))
    node = opts.node or _local_node()
    value = opts.update if opts.update is not None else opts.update_both
    if value is not None:
        _request("set", scope="status", node=node, name=opts.name, value=value)
        return EX_OK
    if opts.delete:
        _request("delete", scope="status", node=node, name=opts.name)
        return EX_OK
    if opts.refresh:
        return EX_OK
    if not opts.query:
        raise _ToolExit(EX_USAGE, "attrd_updater: one of -U, -D, -Q or -R is required")
    if opts.all:
        values = _request("get_all", scope="status", name=opts.name).get("values", {})
        for host in sorted(values):
            print(f'name="{opts.name}" host="{host}" value="{values[host]}"')
        return EX_OK
    found = _request("get", scope="status", node=node, name=opts.name).get("value")
    if found is None:
        raise _ToolExit(EX_NOSUCH,
                        f"Could not query value of {opts.name}: attribute does not exist")
    print(f'name="{opts.name}" host="{node}" value="{found}"')
    return EX_OK


def crm_node(argv: Sequence[str]) -> int:
    parser = _Parser(prog="crm_node", add_help=False)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("-n", "--name", action="store_true")
    group.add_argument("-N", "--name-for-id")
    group.add_argument("-l", "--list", action="store_true")
    group.add_argument("-p", "--partition", action="store_true")
    group.add_argument("-q", "--quorum", action="store_true")
    group.add_argument("-i", "--cluster-id", action="store_true")
    parser.add_argument("-V", "--verbose", action="count")
    parser.add_argument("-A", "--cluster-type-any", action="store_true")
    opts = parser.parse_args(list(argv))
    if opts.name:
        print(_local_node())
        return EX_OK
    info = _request("nodes")
    nodes: list[dict[str, str]] = list(info.get("nodes", []))
    if opts.list:
        for node in nodes:
            print(f"{node['id']} {node['name']} {node['state']}")
    elif opts.partition:
        print(" ".join(n["name"] for n in nodes if n["state"] == "member"))
    elif opts.quorum:
        print("1" if info.get("quorate") else "0")
    else:
        wanted = _local_node() if opts.cluster_id else None
        for node in nodes:
            if opts.cluster_id and node["name"] == wanted:
                print(node["id"])
                return EX_OK
            if opts.name_for_id is not None and node["id"] == opts.name_for_id:
                print(node["name"])
                return EX_OK
        raise _ToolExit(EX_NOSUCH, "crm_node: no such node")
    return EX_OK


def _matches(placement_id: str, wanted: str) -> bool:
    return placement_id == wanted or placement_id.split(":", 1)[0] == wanted


def crm_resource(argv: Sequence[str]) -> int:
    parser = _Parser(prog="crm_resource", add_help=False)
    parser.add_argument("-r", "--resource")
    parser.add_argument("-W", "--locate", action="store_true")
    parser.add_argument("-Q", "--quiet", action="store_true")
    parser.add_argument("-V", "--verbose", action="count")
    for force in ("start", "stop", "check", "promote", "demote"):
        parser.add_argument(f"--force-{force}", action="store_const", const=force, dest="force")
    opts, unknown = parser.parse_known_args(list(argv))
    if unknown:
        raise _ToolExit(EX_UNIMPLEMENTED, f"crm_resource: not supported by Buttress: {unknown}")
    if not opts.resource:
        raise _ToolExit(EX_USAGE, "crm_resource: --resource is required")
    if opts.force:
        action = "monitor" if opts.force == "check" else opts.force
        reply = _request("force_action", resource=opts.resource, action=action)
        if reply.get("output"):
            print(reply["output"])
        return int(reply.get("rc", EX_ERROR))
    if not opts.locate:
        raise _ToolExit(EX_UNIMPLEMENTED, "crm_resource: only --locate and --force-* exist here")
    found = [p for p in _request("resources").get("resources", [])
             if _matches(p["id"], opts.resource)]
    if not found:
        print(f"resource {opts.resource} is NOT running", file=sys.stderr)
        return EX_OK
    for placement in found:
        if opts.quiet:
            print(placement["node"])
        else:
            role = " Promoted" if placement["role"] in ("Promoted", "Master") else ""
            print(f"resource {opts.resource} is running on: {placement['node']}{role}")
    return EX_OK


def crm_mon(argv: Sequence[str]) -> int:
    parser = _Parser(prog="crm_mon", add_help=False)
    parser.add_argument("-1", "--one-shot", action="store_true")
    for flag in ("-A", "-r", "-f", "-n", "-t", "-o", "-R", "-s"):
        parser.add_argument(flag, action="store_true")
    parser.add_argument("--output-as", "--as-xml", nargs="?", const="xml")
    opts = parser.parse_args(list(argv))
    if not opts.one_shot:
        raise _ToolExit(EX_UNIMPLEMENTED, "crm_mon: only one-shot output (-1) exists here")
    if opts.output_as not in (None, "text"):
        raise _ToolExit(EX_UNIMPLEMENTED, "crm_mon: only text output exists here")
    info = _request("nodes")
    placements = _request("resources").get("resources", [])
    online = [n["name"] for n in info.get("nodes", []) if n["state"] == "member"]
    offline = [n["name"] for n in info.get("nodes", []) if n["state"] != "member"]
    print("Cluster Summary:")
    print(f"  * {len(info.get('nodes', []))} nodes configured")
    print(f"  * {len(placements)} resource instances configured")
    print("" if info.get("quorate") else "  * WITHOUT quorum")
    print("Node List:")
    print(f"  * Online: [ {' '.join(online)} ]")
    if offline:
        print(f"  * OFFLINE: [ {' '.join(offline)} ]")
    print()
    print("Full List of Resources:")
    for p in placements:
        print(f"  * {p['id']}\t({p['agent']}):\t {p['role']} {p['node']}")
    return EX_OK


_COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "crm_attribute": crm_attribute,
    "crm_master": crm_master,
    "attrd_updater": attrd_updater,
    "crm_node": crm_node,
    "crm_resource": crm_resource,
    "crm_mon": crm_mon,
}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m buttress.exec.tools TOOL ARGS...``; returns the tool's exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in _COMMANDS:
        print(f"usage: python -m buttress.exec.tools {{{','.join(TOOLS)}}} ...", file=sys.stderr)
        return EX_USAGE
    try:
        return _COMMANDS[args[0]](args[1:])
    except _ToolExit as exc:
        if exc.message:
            print(exc.message, file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
