"""The daemon commands of the console entry: agent, controller, sandbox (imported lazily)."""

from __future__ import annotations

from collections.abc import Callable


def _agent(argv: list[str]) -> int:
    from buttress.cli.agent import agent_main

    return agent_main(argv)


def _controller(argv: list[str]) -> int:
    from buttress.cli.agent import controller_main

    return controller_main(argv)


def _sandbox(argv: list[str]) -> int:
    from buttress.cli.sandbox import main

    return main(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "agent": _agent, "controller": _controller, "sandbox": _sandbox}
