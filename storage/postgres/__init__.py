"""The PostgreSQL backend (asyncpg pool), for several processes on one database."""

from __future__ import annotations

from storage.postgres.bulk import BulkMixin
from storage.postgres.deliveries import DeliveriesMixin
from storage.postgres.ranking import RankingMixin
from storage.postgres.stats import StatsMixin
from storage.postgres.subscriptions import SubscriptionsMixin
from storage.postgres.summaries import SummariesMixin


class PostgresStore(StatsMixin, SummariesMixin, SubscriptionsMixin, DeliveriesMixin, BulkMixin, RankingMixin):
    """Store on one PostgreSQL database (schema from the URL's search_path); safe to share between processes."""

    # StatsMixin comes first: its _refresh_days must win over the stub in SummariesMixin

    async def __aenter__(self) -> PostgresStore:
        await self.open()
        return self


__all__ = ["PostgresStore"]
