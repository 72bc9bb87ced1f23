"""Cluster nodes as configured in the ``<nodes>`` section."""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.nvsets import NvSet


@dataclass(frozen=True)
class Node:
    """A configured node. ``kind`` is member, remote or ping."""

    id: str
    uname: str
    kind: str = "member"
    attributes: tuple[NvSet, ...] = ()
    utilization: tuple[NvSet, ...] = ()
