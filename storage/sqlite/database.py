"""SQLite connection, migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.errors import StoreError, StoreUnavailable
from storage.schema import load_migrations, migrate
from storage.sqlite.fetch import first_row
from storage.sqlite.file_identity import FileIdentity

log = logging.getLogger(__name__)

# primary result codes of the disk and I/O kind: the database cannot do the work until
# someone frees space, fixes permissions or the disk (https://sqlite.org/rescode.html)
_UNAVAILABLE_CODES = {
    3: "SQLITE_PERM",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    11: "SQLITE_CORRUPT",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
    26: "SQLITE_NOTADB",
}
# a store that cannot grow by this much is not healthy (the health probe's size)
_PROBE_BYTES = 64 * 1024


def _store_error(exc: sqlite3.Error) -> StoreError:
    """The driver's error as the store's: StoreUnavailable for the disk and I/O kind."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _UNAVAILABLE_CODES:
        return StoreUnavailable(f"database unavailable: {exc}")
    return StoreError(f"database error: {exc}")


def _statements(script: str) -> list[str]:
    """A migration file split into complete SQL statements (comments and all)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        not part.strip() or part.strip().startswith("--") for part in buffer.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:60]!r}")
    return statements


def _free_bytes(path: str) -> int:
    """Bytes an unprivileged writer may still use on the file system holding `path`."""
    st = os.statvfs(Path(path).resolve().parent)
    return st.f_bavail * st.f_frsize


def _probe(path: str) -> None:
    sqlite3.connect(path).close()


class _SqliteMigrations:
    """The migration loop's hooks on one SQLite connection; BEGIN IMMEDIATE is the lock."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def known_version(self) -> int:
        """Create the version table if needed and read it (cheap, and needs no write lock)."""
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        return await self.version(self._db)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: a second process starting at the same moment waits for it."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        await self._db.execute("COMMIT")

    async def version(self, con: aiosqlite.Connection) -> int:
        row = await first_row(con, "SELECT coalesce(max(version), 0) FROM schema_version")
        return int(row[0]) if row else 0

    async def apply(self, con: aiosqlite.Connection, sql: str) -> None:
        for statement in _statements(sql):
            await con.execute(statement)

    async def record(self, con: aiosqlite.Connection, version: int) -> None:
        await con.execute(
            "INSERT INTO schema_version VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", (version,)
        )


class SqliteDatabase:
    """Owns one aiosqlite connection; a lock keeps transactions from interleaving."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._file = FileIdentity(path) if path != ":memory:" else None

    async def open(self) -> None:
        """Connect, set pragmas and apply pending migrations."""
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {self.path!r}: {exc.strerror}") from exc
        try:
            # probe first: a failed aiosqlite connect leaves its worker thread to report
            # into a loop that may be closed by then
            await asyncio.to_thread(_probe, self.path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open SQLite database {self.path!r}: {exc}") from exc
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        self._db.row_factory = aiosqlite.Row
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA busy_timeout=10000")
        await migrate(_SqliteMigrations(self._db), load_migrations("sqlite"))
        if self._file is not None:
            self._file.remember()

    async def close(self) -> None:
        """Close the connection."""
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def connection(self) -> aiosqlite.Connection:
        """The open connection; raises when the store is not open."""
        if self._db is None:
            raise StoreError("store is not open")
        return self._db

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error.

        Driver errors come out as StoreError (StoreUnavailable for a full disk,
        an I/O error, a read-only file), the COMMIT's included; nothing is
        begun when the file was deleted or replaced under the connection.
        """
        async with self._lock:
            db = self.connection
            if self._file is not None:
                self._file.check()
            try:
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc
            try:
                yield db
            except BaseException as exc:
                await self._rollback(db)
                if isinstance(exc, sqlite3.Error):
                    # callers see one error type whatever the backend
                    raise _store_error(exc) from exc
                raise
            try:
                # a full disk often shows only here, when the WAL is written
                await db.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._rollback(db)
                raise _store_error(exc) from exc

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for a write that is one statement, atomic by itself: no BEGIN, no COMMIT.

        Errors as in `tx`; nothing is written when the file was deleted or replaced under the connection.
        """
        async with self._lock:
            db = self.connection
            if self._file is not None:
                self._file.check()
            try:
                yield db
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc

    async def _rollback(self, db: aiosqlite.Connection) -> None:
        # SQLite may have rolled back already (SQLITE_FULL, an I/O error): then there is nothing to end
        if not db.in_transaction:
            return
        try:
            await db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("rollback failed: %s", exc)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads, between transactions."""
        async with self._lock:
            try:
                yield self.connection
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc

    async def schema_version(self) -> int:
        """The highest migration applied."""
        async with self.read() as db:
            return await _SqliteMigrations(db).version(db)

    async def ping(self) -> None:
        """Raise when the database does not answer; StoreUnavailable when it cannot write.

        The probe grows the database by _PROBE_BYTES inside a savepoint it then
        rolls back (so a store that cannot grow fails, and no free pages are
        left behind for the next writer), commits one small row (so a read-only
        file or an I/O error fails), and asks the file system for room.
        """
        async with self.tx() as db:
            await db.execute("SAVEPOINT probe")
            await db.execute("INSERT INTO store_probe (id, filler) VALUES (2, zeroblob(?))", (_PROBE_BYTES,))
            await db.execute("ROLLBACK TO probe")
            await db.execute("RELEASE probe")
            await db.execute("INSERT OR REPLACE INTO store_probe (id, filler) VALUES (1, randomblob(8))")
        if self.path != ":memory:":
            # a write into space the WAL already holds succeeds on a full disk: ask the file system too
            free = await asyncio.to_thread(_free_bytes, self.path)
            if free < _PROBE_BYTES:
                raise StoreUnavailable(f"the disk holding {self.path} is full ({free:,} bytes free)")
