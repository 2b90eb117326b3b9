"""The PostgreSQL backend (asyncpg pool), for several processes on one database."""

from __future__ import annotations

import asyncpg

from storage.fanout import FIRST_CHUNK
from storage.postgres.bulk import PostgresBulk
from storage.postgres.database import COMMAND_TIMEOUT, CONNECT_TIMEOUT, PostgresDatabase
from storage.postgres.deliveries import PostgresOutbox
from storage.postgres.fanouts import PostgresFanouts
from storage.postgres.figures import PostgresFigures
from storage.postgres.ranking import PostgresRanking
from storage.postgres.sources import PostgresSources
from storage.postgres.stats import PostgresStats
from storage.postgres.subscriptions import PostgresSubscriptions
from storage.postgres.summaries import PostgresSummaries
from storage.sql_store import SqlStore


class PostgresStore(SqlStore[asyncpg.Connection]):
    """Store on one PostgreSQL database (schema from the URL's search_path); safe to share between processes."""

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        first_chunk: int = FIRST_CHUNK,
        connect_timeout: float = CONNECT_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        """The bounds in seconds on a new connection and on each statement: see storage/postgres/database.py."""
        self._pg = PostgresDatabase(
            url,
            min_size=min_size,
            max_size=max_size,
            connect_timeout=connect_timeout,
            command_timeout=command_timeout,
        )
        stats = PostgresStats()
        super().__init__(
            self._pg,
            summaries=PostgresSummaries(),
            rollup=stats,
            stats=stats,
            ranking=PostgresRanking(),
            subscriptions=PostgresSubscriptions(),
            outbox=PostgresOutbox(),
            bulk=PostgresBulk(),
            sources=PostgresSources(),
            figures=PostgresFigures(),
            fanouts=PostgresFanouts(),
            first_chunk=first_chunk,
        )

    @property
    def pool(self) -> asyncpg.Pool:
        """The open connection pool (benchmarks read the planner through it)."""
        return self._pg.pool


__all__ = ["PostgresStore"]
