"""CIB editing library: the operations behind the pcs-compatible commands.

Every function takes a :class:`CibDocument` (an lxml tree with lookups), validates, then
changes the tree in place; user mistakes raise :class:`EditError` subclasses (one line each).
Callers save with :meth:`CibDocument.save` (atomic) only after a command fully succeeded.
Modules: ``resources`` (create/update/delete), ``operations``, ``wrappers`` (groups,
clones), ``lifecycle`` (enable/disable, move/ban/clear, cleanup), ``constraints``,
``rules`` (pcs rule syntax), ``stonith`` (devices, levels), ``properties`` (cluster
properties, defaults, node attributes), ``atomic`` (file replacement).
"""

from buttress.cib.edit.document import CibDocument
from buttress.cib.edit.errors import (
    CycleError,
    DuplicateIdError,
    EditError,
    ForceRequiredError,
    InvalidValueError,
    NotFoundError,
    RuleSyntaxError,
)

__all__ = [
    "CibDocument",
    "CycleError",
    "DuplicateIdError",
    "EditError",
    "ForceRequiredError",
    "InvalidValueError",
    "NotFoundError",
    "RuleSyntaxError",
]
