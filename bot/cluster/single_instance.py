"""One `strikebot run` per SQLite file: the file's run lock held for the process's lifetime.

SQLite has no way to elect a leader among processes on several machines, and
two pollers of one bot would take each other's updates; a second process on the
same file is refused with a message saying what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.startup import StartupError
from storage.sqlite.run_lock import DatabaseInUse, SqliteRunLock


class AlreadyRunning(StartupError):
    """Another `strikebot run` holds the database (message is user-facing)."""


@contextmanager
def sqlite_run_lock(path: str) -> Iterator[None]:
    """Hold the run lock of the SQLite file at `path` for the block; AlreadyRunning when another process holds it."""
    lock = SqliteRunLock(path)
    try:
        lock.acquire()
    except DatabaseInUse as exc:
        raise AlreadyRunning(
            f"the SQLite database {path} is already served by `strikebot run` (pid {exc.holder}); "
            "a SQLite database takes one instance: stop the other one, or move to PostgreSQL "
            "(STRIKEBOT_DATABASE_URL=postgresql://…) to run several instances"
        ) from None
    try:
        yield
    finally:
        lock.release()
