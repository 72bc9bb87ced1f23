"""Run one child process under a timeout, in its own process group, and capture its output.

The contract every runner (OCF, LSB, systemd, fence agents) relies on:

* the child is exec'd directly from an argv list, never through a shell;
* it leads a new session, so its process group id equals its pid; on timeout the *whole*
  group gets SIGKILL (daemons an agent forked and that stayed in the group die too);
* stdout and stderr are read concurrently and only their last ``keep_bytes`` are kept;
* when the child exits, output still held open by a grandchild (a daemon that kept the
  pipe) is read for at most ``drain_s`` more seconds, then abandoned: a daemonizing agent
  never makes the action hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

KEEP_BYTES = 64 * 1024
DRAIN_S = 0.5


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


async def _read_tail(stream: asyncio.StreamReader | None, keep: int, sink: bytearray) -> None:
    if stream is None:
        return
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        sink.extend(chunk)
        if len(sink) > keep:
            del sink[: len(sink) - keep]


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
    drain_s: float = DRAIN_S,
) -> ProcessOutcome:
    """Run ``argv`` with exactly ``env`` (nothing inherited) for at most ``timeout_s`` seconds.

    Never raises for a child that cannot be started (missing file, no permission): the
    outcome then has ``returncode=None`` and ``start_error``. Cancelling the awaiting task
    kills the process group too.
    """
    started_at = time.time()
    began = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        return ProcessOutcome(None, "", "", False, started_at, time.monotonic() - began,
                              start_error=f"{exc.strerror or exc}: {argv[0]}")
    out = bytearray()
    err = bytearray()
    readers = [
        asyncio.create_task(_read_tail(proc.stdout, keep_bytes, out)),
        asyncio.create_task(_read_tail(proc.stderr, keep_bytes, err)),
    ]
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
        for task in readers:
            task.cancel()
        raise
    _done, pending = await asyncio.wait(readers, timeout=drain_s)
    for task in pending:
        task.cancel()
    if timed_out:
        # Whatever is left of the group (daemons the agent started) goes with it.
        kill_group(proc.pid)
    return ProcessOutcome(
        returncode=proc.returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
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
