"""Buttress: a high-availability cluster manager for OpenStack that decides like Pacemaker."""

__version__ = "0.1.0"
