"""SQLite connection, migrations and transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.errors import StoreError
from storage.schema import load_migrations, migrate


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
        async with con.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
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
        """A write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        async with self._lock:
            db = self.connection
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException as exc:
                await db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    # callers see one error type whatever the backend
                    raise StoreError(f"database error: {exc}") from exc
                raise
            else:
                await db.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads, between transactions."""
        async with self._lock:
            try:
                yield self.connection
            except sqlite3.Error as exc:
                raise StoreError(f"database error: {exc}") from exc

    async def schema_version(self) -> int:
        """The highest migration applied."""
        async with self.read() as db:
            return await _SqliteMigrations(db).version(db)

    async def ping(self) -> None:
        """Raise when the database does not answer."""
        async with self.read() as db:
            await db.execute("SELECT 1")
