"""The SQLite backend (aiosqlite, WAL)."""

from __future__ import annotations

import aiosqlite

from storage.fanout import FIRST_CHUNK
from storage.sql_store import SqlStore
from storage.sqlite.bulk import SqliteBulk
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.deliveries import SqliteOutbox
from storage.sqlite.fanouts import SqliteFanouts
from storage.sqlite.figures import SqliteFigures
from storage.sqlite.ranking import SqliteRanking
from storage.sqlite.sources import SqliteSources
from storage.sqlite.stats import SqliteStats
from storage.sqlite.subscriptions import SqliteSubscriptions
from storage.sqlite.summaries import SqliteSummaries


class SqliteStore(SqlStore[aiosqlite.Connection]):
    """Store on one SQLite file; several processes may share it (WAL, busy timeout)."""

    def __init__(self, path: str, *, first_chunk: int = FIRST_CHUNK) -> None:
        stats = SqliteStats()
        super().__init__(
            SqliteDatabase(path),
            summaries=SqliteSummaries(),
            rollup=stats,
            stats=stats,
            ranking=SqliteRanking(),
            subscriptions=SqliteSubscriptions(),
            outbox=SqliteOutbox(),
            bulk=SqliteBulk(),
            sources=SqliteSources(),
            figures=SqliteFigures(),
            fanouts=SqliteFanouts(),
            first_chunk=first_chunk,
        )


__all__ = ["SqliteStore"]
