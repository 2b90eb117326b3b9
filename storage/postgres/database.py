"""PostgreSQL connection pool, migrations under an advisory lock, transactions."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg

from storage.errors import ConnectionLost, StoreError, StoreUnavailable
from storage.schema import load_migrations, migrate

log = logging.getLogger(__name__)

# How long the store waits on PostgreSQL. A network that neither answers nor closes (packets
# dropped) would otherwise hold a call for as long as TCP keeps trying, which is for ever on a
# connection the server never hears from again; past these bounds the call fails as the store's
# errors do (ConnectionLost, StoreUnavailable) and its connection is dropped.
# A new connection of the pool: TCP, TLS and authentication.
CONNECT_TIMEOUT = 10.0
# Each statement unless it says otherwise: ~15x the slowest of normal running at 100,000 chats
# (1.5-1.8 s: a fan-out queued in one statement, a correction's edits, a broadcast).
COMMAND_TIMEOUT = 30.0
# Statements whose work grows with the network or the history (one row per chat, the outbox
# prune, bulk loads, the rollup rebuild) and the lock waits behind them: 15-19 s at 1,000,000 chats.
LONG_TIMEOUT = 600.0
# A migration (an index built on a large table) and the wait for another instance's.
MIGRATION_TIMEOUT = 3600.0

# One advisory lock space for strikebot; the second key is the schema, so that
# stores in different schemas of one database do not wait for each other.
_LOCK_SQL = "hashtext('strikebot'), hashtext(current_schema())"


def _jsonb_encode(value: Any) -> bytes:
    # binary jsonb is a version byte (1) and the JSON text; binary so that COPY works too
    return b"\x01" + json.dumps(value, ensure_ascii=False).encode()


def _jsonb_decode(data: bytes) -> Any:
    return json.loads(data[1:])


async def _init_connection(con: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects rather than JSON text
    await con.set_type_codec(
        "jsonb", encoder=_jsonb_encode, decoder=_jsonb_decode, schema="pg_catalog", format="binary"
    )


# the server went away under a connection (pg_terminate_backend, a restart, a dropped socket):
# what ran on it was rolled back, and a new connection from the pool may do it again
_CONNECTION_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    ConnectionError,
)


# what leaves a borrowed connection in a state nobody should use again: its connection was
# lost, or asyncpg gave up on it (a rollback on a closed connection, a reset that failed)
_BROKEN = (*_CONNECTION_LOST, asyncpg.InterfaceError, asyncpg.InternalClientError)


# SQLSTATE classes of the disk and I/O kind: 53 insufficient resources (53100 disk_full,
# 53200 out_of_memory), 58 system error (58030 io_error); and 25006, a read-only server
_UNAVAILABLE_CLASSES = ("53", "58")
_READ_ONLY = "25006"
# the health probe's row: the server has to write it (table and WAL), and can every few seconds
_PROBE_BYTES = 64


def _store_error(exc: BaseException) -> StoreError:
    """The driver's error as the store's: StoreUnavailable for a full disk, an I/O error, a read-only server."""
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    if sqlstate[:2] in _UNAVAILABLE_CLASSES or sqlstate == _READ_ONLY:
        return StoreUnavailable(f"database unavailable: {exc}")
    return StoreError(f"database error: {exc}")


def command_count(status: str) -> int:
    """Rows touched, from a status tag such as 'UPDATE 3' or 'INSERT 0 5'."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class _PostgresMigrations:
    """The migration loop's hooks on PostgreSQL: an advisory lock per schema, held by each migration's transaction.

    Several processes may start at once: the first applies a migration while
    the others wait on the lock, then find it done. One transaction per
    migration, so a table locked by one (ALTER TABLE) is free again before
    the next builds an index on a large table.
    """

    def __init__(self, transaction: Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]) -> None:
        self._transaction = transaction

    async def known_version(self) -> int:
        # not read before the lock: the version table itself is created under it
        return 0

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._transaction() as con:
            await con.execute(f"SELECT pg_advisory_xact_lock({_LOCK_SQL})", timeout=MIGRATION_TIMEOUT)
            await con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            yield con

    async def version(self, con: asyncpg.Connection) -> int:
        return int(await con.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))

    async def apply(self, con: asyncpg.Connection, sql: str) -> None:
        await con.execute(sql, timeout=MIGRATION_TIMEOUT)

    async def record(self, con: asyncpg.Connection, version: int) -> None:
        await con.execute("INSERT INTO schema_version (version) VALUES ($1)", version)


class PostgresDatabase:
    """Owns an asyncpg pool; every transaction or read borrows one connection for its duration."""

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = CONNECT_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        """A pool of `min_size` to `max_size` connections; the bounds in seconds (see COMMAND_TIMEOUT)."""
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        """Create the pool and apply pending migrations."""
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                init=_init_connection,
                timeout=self._connect_timeout,
                command_timeout=self._command_timeout,
            )
        except TimeoutError as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL: {self._no_answer}") from exc
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {exc}") from exc
        try:
            await migrate(_PostgresMigrations(self.tx), load_migrations("postgres"))
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the pool, waiting for borrowed connections to come back."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """The open pool; raises when the store is not open."""
        if self._pool is None:
            raise StoreError("store is not open")
        return self._pool

    @property
    def _no_answer(self) -> str:
        return f"no answer within {self._connect_timeout:g} s"

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection inside a transaction, committed on success and rolled back on error."""
        async with self._borrow() as con:
            transaction = con.transaction()
            await transaction.start()
            try:
                yield con
            except TimeoutError:
                # no ROLLBACK where nothing answers (it would wait as long again): _borrow drops
                # the connection, and the server rolls back when the session ends
                raise
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for a write that is one statement, atomic by itself (autocommit)."""
        async with self._borrow() as con:
            yield con

    @asynccontextmanager
    async def read(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for reads (autocommit)."""
        async with self._borrow() as con:
            yield con

    @asynccontextmanager
    async def _borrow(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for the block; database errors come out as StoreError (ConnectionLost when it broke).

        A connection that broke is closed for good rather than handed out again
        in an unknown state, and the pool's others are replaced: they were most
        likely cut at the same moment.
        """
        pool = self.pool
        try:
            con = await pool.acquire()
        except TimeoutError as exc:
            # a new connection got no answer: the server or the network is away (not retried)
            raise StoreUnavailable(f"cannot reach PostgreSQL: {self._no_answer}") from exc
        except _CONNECTION_LOST as exc:
            await pool.expire_connections()
            raise ConnectionLost(f"cannot reach PostgreSQL: {exc}") from exc
        except (OSError, asyncpg.PostgresError) as exc:
            raise _store_error(exc) from exc
        try:
            yield con
        except TimeoutError as exc:
            # a statement got no answer within its bound: the connection is dropped, not left waiting
            # for a cancellation that a frozen network would not carry either, and so are the others
            # (most likely stuck the same way), so a retry connects anew within CONNECT_TIMEOUT
            con.terminate()
            await pool.expire_connections()
            raise ConnectionLost("database connection lost: no answer from PostgreSQL in time") from exc
        except _BROKEN as exc:
            with contextlib.suppress(asyncpg.InterfaceError):  # a proxy the pool already took back
                con.terminate()
            await pool.expire_connections()
            raise ConnectionLost(f"database connection lost: {exc}") from exc
        except (OSError, asyncpg.PostgresError) as exc:
            # callers see one error type whatever the backend; the transaction is rolled back
            raise _store_error(exc) from exc
        finally:
            try:
                await pool.release(con)
            except Exception as exc:  # the pool has dropped a connection it could not reset; the work stands
                log.info("a broken PostgreSQL connection was closed on its way back to the pool: %s", exc)

    async def schema_version(self) -> int:
        """The highest migration applied."""
        async with self.read() as con:
            return int(await con.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))

    async def ping(self) -> None:
        """Raise when the database does not answer; StoreUnavailable when it cannot write (one probe row committed)."""
        async with self.tx() as con:
            await con.execute(
                "INSERT INTO store_probe (id, filler) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET filler = $1",
                os.urandom(_PROBE_BYTES),
            )
