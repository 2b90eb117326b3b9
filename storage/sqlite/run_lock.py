"""One process per SQLite file: an exclusive lock on `<file>.run.lock`, held while the process serves the file.

SQLite has no way to elect a leader among processes on several machines, so a
second process serving the same file is refused.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.errors import StoreError


class DatabaseInUse(StoreError):
    """Another process holds the run lock of this SQLite file."""

    def __init__(self, path: str, holder: str) -> None:
        super().__init__(f"{path} is served by {holder}")
        self.path = path
        self.holder = holder


class SqliteRunLock:
    """The run lock of one SQLite file; a killed process releases it as a clean one does."""

    def __init__(self, path: str) -> None:
        """`path` is the database file (":memory:" takes no lock)."""
        self._path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Hold the lock and write this pid into it; DatabaseInUse (with the holder's pid) when another holds it."""
        if self._path == ":memory:":
            return
        lock_path = f"{self._path}.run.lock"
        Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise DatabaseInUse(self._path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Let go of the lock (closing the descriptor releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
