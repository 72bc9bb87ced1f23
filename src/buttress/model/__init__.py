"""Frozen dataclasses describing a cluster: configuration and status, as the CIB holds them."""

from buttress.model.cib import Cib, Configuration
from buttress.model.constraints import (
    Colocation,
    Location,
    Order,
    ResourceSet,
    Ticket,
)
from buttress.model.nodes import Node
from buttress.model.nvsets import NvSet
from buttress.model.resources import Bundle, Clone, Group, Operation, Primitive, Resource
from buttress.model.rules import DateExpression, Expression, Rule
from buttress.model.status import HistoryOp, NodeState, ResourceHistory, Status

__all__ = [
    "Bundle",
    "Cib",
    "Clone",
    "Colocation",
    "Configuration",
    "DateExpression",
    "Expression",
    "Group",
    "HistoryOp",
    "Location",
    "Node",
    "NodeState",
    "NvSet",
    "Operation",
    "Order",
    "Primitive",
    "Resource",
    "ResourceHistory",
    "ResourceSet",
    "Rule",
    "Status",
    "Ticket",
]
