"""Fixture: one emulated node with its helper-command directory and attribute server."""

from __future__ import annotations

from pathlib import Path

import pytest
from exec_helpers import Node

from buttress.exec import (
    ExecContext,
    InMemoryAttributeBackend,
    NodeInfo,
    ResourcePlacement,
    install_helper_bin,
)


@pytest.fixture
def node(tmp_path: Path) -> Node:
    bin_dir = install_helper_bin(tmp_path / "bin")
    varrun = tmp_path / "varrun"
    varrun.mkdir()
    backend = InMemoryAttributeBackend(
        node_list=(NodeInfo("1", "node1"), NodeInfo("2", "node2"),
                   NodeInfo("3", "node3", "lost")),
        placements=(ResourcePlacement("web", "ocf:heartbeat:Dummy", "node2"),
                    ResourcePlacement("db:0", "ocf:pacemaker:Stateful", "node1", "Promoted"),
                    ResourcePlacement("db:1", "ocf:pacemaker:Stateful", "node2", "Unpromoted")))
    ctx = ExecContext("node1", tmp_path / "rsctmp", helper_bin=bin_dir,
                      attrd_socket=tmp_path / "attrd.sock", ha_varrun=varrun)
    return Node(tmp_path, ctx, backend)
