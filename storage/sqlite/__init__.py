"""The SQLite backend (aiosqlite, WAL)."""

from __future__ import annotations

from storage.sqlite.bulk import BulkMixin
from storage.sqlite.deliveries import DeliveriesMixin
from storage.sqlite.ranking import RankingMixin
from storage.sqlite.stats import StatsMixin
from storage.sqlite.subscriptions import SubscriptionsMixin
from storage.sqlite.summaries import SummariesMixin


class SqliteStore(StatsMixin, SummariesMixin, SubscriptionsMixin, DeliveriesMixin, BulkMixin, RankingMixin):
    """Store on one SQLite file; several processes may share it (WAL, busy timeout)."""

    async def __aenter__(self) -> SqliteStore:
        await self.open()
        return self


__all__ = ["SqliteStore"]
