"""One `strikebot run` per SQLite file: an exclusive lock held for the process's lifetime.

SQLite has no way to elect a leader among processes on several machines, and
two pollers of one bot would take each other's updates; a second process on the
same file is refused with a message saying what to do instead.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.startup import StartupError


class AlreadyRunning(StartupError):
    """Another `strikebot run` holds the database (message is user-facing)."""


@contextmanager
def sqlite_run_lock(path: str) -> Iterator[None]:
    """Hold `<path>.run.lock` exclusively for the block; raise AlreadyRunning when another process holds it."""
    if path == ":memory:":
        yield
        return
    lock_path = f"{path}.run.lock"
    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise AlreadyRunning(
                f"the SQLite database {path} is already served by `strikebot run` (pid {holder}); "
                "a SQLite database takes one instance: stop the other one, or move to PostgreSQL "
                "(STRIKEBOT_DATABASE_URL=postgresql://…) to run several instances"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        # closing the descriptor releases the lock (a killed process releases it the same way)
        os.close(fd)
