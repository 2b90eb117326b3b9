"""One database shared by several stores, as several `strikebot run` processes share it.

Each store opened here has its own connection (SQLite) or its own pool
(PostgreSQL) on the same database, so two dispatchers built on two of them
meet only where two processes meet: in the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from storage import Store, open_store
from tests.storage.postgres_schema import PG_URL, fresh_schema

BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class SharedDatabase:
    """Where the database is; `url` is what `--db` / `open_store` take."""

    backend: str
    url: str
    # PostgreSQL only: the application_name of every connection opened with `url`
    application_name: str | None = None

    @asynccontextmanager
    async def stores(self, n: int) -> AsyncIterator[list[Store]]:
        """`n` open stores on this database, each with its own connections."""
        async with AsyncExitStack() as stack:
            yield [await stack.enter_async_context(open_store(self.url)) for _ in range(n)]


@asynccontextmanager
async def shared_database(backend: str, tmp_path: Path) -> AsyncIterator[SharedDatabase]:
    """An empty database of `backend`: a file for SQLite, a fresh schema for PostgreSQL (skips without a server)."""
    if backend == "sqlite":
        yield SharedDatabase(backend, f"sqlite:///{tmp_path / 'shared.db'}")
        return
    # tests find the bot's own connections in pg_stat_activity by the schema's name
    async with fresh_schema(named=True) as (url, schema):
        yield SharedDatabase(backend, url, application_name=schema)


async def terminate_connections(application_name: str) -> int:
    """Cut every PostgreSQL connection opened under `application_name` (as an operator's pg_terminate_backend would)."""
    import asyncpg

    admin = await asyncpg.connect(PG_URL, timeout=3)
    try:
        killed = await admin.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = $1 AND pid <> pg_backend_pid()",
            application_name,
        )
    finally:
        await admin.close()
    return int(killed or 0)
