"""Offline simulation: injections into a CIB, and running a transition with fake handlers."""
