"""An emulated IPMI BMC per sandbox node, for fence_ipmilan on loopback.

It answers IPMI 2.0 (lanplus, RMCP+) on UDP through pyghmi's BMC server. Chassis power
off calls ``on_power_off`` and power on calls ``on_power_on``; power cycle/reset call
both in order; "get chassis status" reports the state. Callback exceptions are logged and
the state still changes (a BMC cuts power whatever the OS thinks).

Run one per node (pyghmi keeps process-wide state, so one BMC per process)::

    python -m buttress.fencing.bmc --port 0 --port-file P --user admin \
        --password-file PW --pgid-file PG [--power-on-command "CMD ARGS"] [--state-file S]

``--port 0`` picks a free UDP port and writes it to ``--port-file`` once listening.
Power off SIGKILLs the process group whose id is in ``--pgid-file`` (the node's agent and
its resources). Power on runs ``--power-on-command`` (split with shlex, no shell) in a new
session and writes its pid, which is its process group id, to ``--pgid-file``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyghmi.ipmi.bmc as pyghmi_bmc  # type: ignore[import-untyped]

log = logging.getLogger("buttress.fencing.bmc")
PowerHook = Callable[[], None]


class EmulatedBmc(pyghmi_bmc.Bmc):  # type: ignore[misc]
    """pyghmi BMC whose power control is two callbacks and a flag."""

    def __init__(self, users: dict[str, str], *, port: int = 0, address: str = "127.0.0.1",
                 on_power_off: PowerHook | None = None, on_power_on: PowerHook | None = None,
                 powered_on: bool = True) -> None:
        super().__init__(users, port=port, address=address)
        # pyghmi routes session packets by self.port: with port 0 it must be the real one.
        self.port = int(self.serversocket.getsockname()[1])
        self._on_power_off = on_power_off
        self._on_power_on = on_power_on
        self._lock = threading.Lock()
        self.powered_on = powered_on
        self.guid = uuid.uuid4()

    @property
    def bound_port(self) -> int:
        return int(self.serversocket.getsockname()[1])

    def _hook(self, hook: PowerHook | None, name: str) -> None:
        if hook is None:
            return
        try:
            hook()
        except Exception:
            log.exception("BMC %s hook failed", name)

    def get_power_state(self) -> str:
        return "on" if self.powered_on else "off"

    def power_off(self) -> int:
        with self._lock:
            if self.powered_on:
                self._hook(self._on_power_off, "power off")
            self.powered_on = False
        return 0

    def power_on(self) -> int:
        with self._lock:
            if not self.powered_on:
                self._hook(self._on_power_on, "power on")
            self.powered_on = True
        return 0

    def power_cycle(self) -> int:
        with self._lock:
            self._hook(self._on_power_off, "power off")
            self.powered_on = False
            self._hook(self._on_power_on, "power on")
            self.powered_on = True
        return 0

    def power_reset(self) -> int:
        return self.power_cycle()

    def power_shutdown(self) -> int:
        return self.power_off()

    def cold_reset(self) -> int:
        return 0

    def get_system_guid(self) -> uuid.UUID:
        return self.guid

    def get_boot_device(self) -> str:
        return "default"

    def set_boot_device(self, bootdevice: Any) -> None:
        return None


def kill_group_in(pgid_file: Path) -> PowerHook:
    """A power-off hook: SIGKILL the process group whose id is written in ``pgid_file``."""

    def hook() -> None:
        try:
            pgid = int(pgid_file.read_text().strip())
        except (OSError, ValueError):
            log.warning("power off: no process group id in %s", pgid_file)
            return
        if pgid <= 1:
            log.warning("power off: refusing to kill process group %d", pgid)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

    return hook


def start_command(argv: Sequence[str], pgid_file: Path | None) -> PowerHook:
    """A power-on hook: start ``argv`` in a new session, record its pgid in ``pgid_file``."""

    def hook() -> None:
        proc = subprocess.Popen(list(argv), start_new_session=True,
                                stdin=subprocess.DEVNULL)
        if pgid_file is not None:
            pgid_file.write_text(f"{proc.pid}\n")

    return hook


def _write(path: Path | None, text: str) -> None:
    if path is not None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m buttress.fencing.bmc",
                                     description="Emulated IPMI BMC on loopback")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="UDP port, 0 for any free one")
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--pgid-file", type=Path)
    parser.add_argument("--power-on-command")
    parser.add_argument("--state-file", type=Path)
    parser.add_argument("--off", action="store_true", help="start powered off")
    opts = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bmc: %(message)s")
    password = opts.password_file.read_text().splitlines()[0]
    off_hooks: list[PowerHook] = []
    on_hooks: list[PowerHook] = []
    if opts.pgid_file is not None:
        off_hooks.append(kill_group_in(opts.pgid_file))
    if opts.power_on_command:
        on_hooks.append(start_command(shlex.split(opts.power_on_command), opts.pgid_file))

    def powered(state: str, hooks: list[PowerHook]) -> PowerHook:
        def hook() -> None:
            log.info("power %s", state)
            for each in hooks:
                each()
            _write(opts.state_file, state + "\n")
        return hook

    bmc = EmulatedBmc({opts.user: password}, port=opts.port, address=opts.address,
                      on_power_off=powered("off", off_hooks), on_power_on=powered("on", on_hooks),
                      powered_on=not opts.off)
    _write(opts.state_file, bmc.get_power_state() + "\n")
    _write(opts.port_file, f"{bmc.bound_port}\n")
    log.info("listening on %s:%d", opts.address, bmc.bound_port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    bmc.listen()
    return 0


if __name__ == "__main__":
    sys.exit(main())
