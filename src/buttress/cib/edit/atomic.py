"""Atomic file replacement: readers see the old file or the new one, never a partial one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The bytes go to a temporary file in the same directory, which is fsync'ed and then
    renamed over ``path`` with os.replace; the directory is fsync'ed afterwards (best
    effort). The existing file's permission bits are kept (a new file gets 0666 less the
    umask, as open() would give it). On any error the temporary file
    is removed and ``path`` is untouched.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    mode: int | None = None
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o7777
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
