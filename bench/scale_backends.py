"""The databases bench/scale.py runs on: a store, plus raw SQL for the bulk set-up."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fanout import FIRST_CHAT

from storage.fanout import FIRST_CHUNK
from storage.protocol import Store


class Backend:
    """One database under test: open a store, run set-up SQL outside the store."""

    name = ""

    # chats the ingest queues itself (DELIVERY_FANOUT_FIRST_CHUNK)
    first_chunk = FIRST_CHUNK

    def store(self) -> Store:
        """A fresh store object on this database."""
        raise NotImplementedError

    async def sql(self, statement: str) -> None:
        """Run one set-up statement."""
        raise NotImplementedError

    def fanout_url(self) -> str:
        """The database URL for the fan-out child process."""
        raise NotImplementedError

    async def subscribe_all(self, n: int) -> None:
        """`n` active Telegram subscriptions in one statement."""
        raise NotImplementedError

    # the time a tally row is written at, in the backend's own SQL
    now_sql = ""

    # a time a month ago (the prune's cut-off is a week), in the backend's own SQL
    month_ago_sql = ""

    # whether the schema tallies a row that becomes sent by itself (SQLite's trigger, migration 0015)
    tallies_by_trigger = False

    async def add_old_broadcasts(self, n: int) -> None:
        """`n` broadcasts of a month ago whose rows are gone: the prune deletes them."""
        await self.sql(
            "INSERT INTO broadcasts (text, created_at) VALUES " + ", ".join([f"('old', {self.month_ago_sql})"] * n)
        )

    async def mark_sent(self) -> None:
        """Every pending delivery becomes a sent one (as after its fan-out), tallied as the store does."""
        if not self.tallies_by_trigger:
            # one tally row per 100 sends, as result batches leave them before the merge
            await self.sql(
                f"INSERT INTO delivery_tallies (sent_at, sent) SELECT {self.now_sql}, count(*) FROM deliveries "
                "WHERE status = 'pending' GROUP BY id / 100"
            )
        await self.sql(
            "UPDATE deliveries SET status = 'sent', attempts = 1, platform_message_id = '1', "
            "message_revision = revision, lease_until = NULL WHERE status = 'pending'"
        )


class SqliteBackend(Backend):
    """A temporary SQLite file."""

    name = "SQLite"
    now_sql = "(julianday('now') - 2440587.5) * 86400.0"
    month_ago_sql = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')"
    tallies_by_trigger = True

    def __init__(self, folder: Path) -> None:
        self.path = folder / "scale.db"

    def store(self) -> Store:
        from storage.sqlite import SqliteStore

        return SqliteStore(str(self.path), first_chunk=self.first_chunk)

    def fanout_url(self) -> str:
        return f"sqlite:///{self.path}"

    async def sql(self, statement: str) -> None:
        def run() -> None:
            con = sqlite3.connect(self.path)
            try:
                con.execute(statement)
                con.commit()
            finally:
                con.close()

        await asyncio.to_thread(run)

    async def subscribe_all(self, n: int) -> None:
        now = datetime.now(UTC).isoformat()
        await self.sql(
            "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < "
            f"{n}) INSERT INTO subscriptions (platform, chat_id, created_at, updated_at) "
            f"SELECT 'telegram', CAST({FIRST_CHAT} + i AS TEXT), '{now}', '{now}' FROM k"
        )


class PostgresBackend(Backend):
    """A throwaway schema on a PostgreSQL server."""

    name = "PostgreSQL"
    now_sql = "now()"
    month_ago_sql = "now() - interval '30 days'"

    def __init__(self, url: str) -> None:
        self.url = url

    def store(self) -> Store:
        from storage.postgres import PostgresStore

        return PostgresStore(self.url, first_chunk=self.first_chunk)

    def fanout_url(self) -> str:
        return self.url

    async def sql(self, statement: str) -> None:
        import asyncpg

        con = await asyncpg.connect(self.url)
        try:
            await con.execute(statement)
        finally:
            await con.close()

    async def subscribe_all(self, n: int) -> None:
        await self.sql(
            "INSERT INTO subscriptions (platform, chat_id, created_at, updated_at) "
            f"SELECT 'telegram', ({FIRST_CHAT} + i)::text, now(), now() FROM generate_series(0, {n - 1}) i"
        )


@asynccontextmanager
async def postgres(url: str) -> AsyncIterator[PostgresBackend | None]:
    """A PostgreSQL backend on a fresh schema, or None when no server answers."""
    import asyncpg
    from store_postgres import schema

    try:
        (await asyncpg.connect(url, timeout=3)).terminate()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"PostgreSQL at {url} unavailable ({type(exc).__name__}): skipped")
        yield None
        return
    async with schema(url) as scoped:
        yield PostgresBackend(scoped)
