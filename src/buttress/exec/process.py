"""Run one child process under a timeout, in its own process group, and capture its output.

The contract every runner (OCF, LSB, systemd, fence agents) relies on:

* the child is exec'd directly from an argv list, never through a shell;
* it leads a new session, so its process group id equals its pid; on timeout the *whole*
  group gets SIGKILL (daemons an agent forked and that stayed in the group die too);
* stdout and stderr go to anonymous temporary files, not pipes, and only their last
  ``keep_bytes`` are read back: a daemon that an agent started and that kept the agent's
  output open can never make the action hang, and the action ends when the agent exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

KEEP_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProcessOutcome:
    """What a finished (or killed) child left: exit status, output tails and timing.

    ``returncode`` is the exit status, or ``-signal`` when the child died by a signal;
    ``None`` only when it could not be started (``start_error`` then says why).
    """

    returncode: int | None
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)
    timed_out: bool
    started_at: float
    duration_s: float
    start_error: str | None = None


def _read_tail(handle: IO[bytes], keep: int) -> str:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - keep))
    return handle.read().decode("utf-8", "replace")


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> bool:
    """Send ``sig`` to process group ``pgid``; False if the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


async def run_process(
    argv: Sequence[str],
    env: Mapping[str, str],
    timeout_s: float,
    *,
    stdin: bytes | None = None,
    cwd: str | None = None,
    keep_bytes: int = KEEP_BYTES,
) -> ProcessOutcome:
    """Run ``argv`` with exactly ``env`` (nothing inherited) for at most ``timeout_s`` seconds.

    Never raises for a child that cannot be started (missing file, no permission): the
    outcome then has ``returncode=None`` and ``start_error``. Cancelling the awaiting task
    kills the process group too.
    """
    started_at = time.time()
    began = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None
                else asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            return ProcessOutcome(None, "", "", False, started_at, time.monotonic() - began,
                                  start_error=f"{exc.strerror or exc}: {argv[0]}")
        timed_out = False
        try:
            if stdin is not None and proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    proc.stdin.write(stdin)
                    await proc.stdin.drain()
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), timeout=max(timeout_s, 0.0))
            except TimeoutError:
                timed_out = True
                kill_group(proc.pid)
                await proc.wait()
        except asyncio.CancelledError:
            kill_group(proc.pid)
            raise
        if timed_out:
            # Whatever is left of the group (daemons the agent started) goes with it.
            kill_group(proc.pid)
        return ProcessOutcome(
            returncode=proc.returncode,
            stdout=_read_tail(out, keep_bytes),
            stderr=_read_tail(err, keep_bytes),
            timed_out=timed_out,
            started_at=started_at,
            duration_s=time.monotonic() - began,
        )


def output_tail(outcome: ProcessOutcome, limit: int = 4096) -> str:
    """The end of stdout then stderr, cut to ``limit`` characters, for a human reader."""
    text = outcome.stdout
    if outcome.stderr:
        text = (text + "\n" if text and not text.endswith("\n") else text) + outcome.stderr
    return text[-limit:]
