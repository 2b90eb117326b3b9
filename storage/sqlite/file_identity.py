"""Whether the SQLite file a connection has open is still the file its path names."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from storage.errors import StoreUnavailable

log = logging.getLogger(__name__)


class FileIdentity:
    """The device and inode of the database file when it was opened, checked again before writes.

    A connection keeps writing into a file that was deleted or replaced (a
    restored backup, a mistaken `rm`): every write answers as stored, and all
    of it is gone at the next start. Once the path stops naming the opened
    file, writes are refused until the bot is restarted on the file that is
    there now.
    """

    def __init__(self, path: str) -> None:
        self._path = Path(path).resolve()
        self._opened: tuple[int, int] | None = None
        self._lost: str | None = None

    def remember(self) -> None:
        """Note the file as it is now: call right after opening it."""
        st = os.stat(self._path)
        self._opened = (st.st_dev, st.st_ino)
        self._lost = None

    def check(self) -> None:
        """Raise StoreUnavailable when the path no longer names the opened file (logged once, as an error)."""
        if self._opened is None:
            return
        if self._lost is None:
            try:
                st = os.stat(self._path)
            except FileNotFoundError:
                self._lost = "deleted"
            except OSError as exc:
                raise StoreUnavailable(f"cannot check the SQLite file {self._path}: {exc.strerror}") from exc
            else:
                if (st.st_dev, st.st_ino) != self._opened:
                    self._lost = "replaced"
            if self._lost is not None:
                log.error(
                    "the SQLite file %s was %s while the bot had it open: writes are refused, "
                    "since they would be lost; restart the bot to open the file there now",
                    self._path,
                    self._lost,
                )
        if self._lost is not None:
            raise StoreUnavailable(f"the SQLite file {self._path} was {self._lost} while open; restart the bot")
