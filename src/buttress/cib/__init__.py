"""Pacemaker CIB XML <-> the Buttress model."""

from buttress.cib.reader import load_cib, parse_cib

__all__ = ["load_cib", "parse_cib"]
