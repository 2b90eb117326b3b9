"""The outbox figures snapshot: counted in the background, read by status requests while fresh.

At 100,000 subscribers with a million rows in the outbox, counting the queue
takes about 175 ms on PostgreSQL (pending rows are read from the heap, their
pages being rewritten all the time); /status and /metrics must answer in a few
milliseconds, and a Prometheus scrape every 15 s needs no fresher figures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from storage.database import Database
from storage.errors import StoreError
from storage.outbox import OutboxFigures

log = logging.getLogger(__name__)

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)

# how often the bot counts them, and what readers accept: twice that, so one slow count is covered
REFRESH_EVERY = 15.0
DEFAULT_MAX_AGE = 2 * REFRESH_EVERY
# counting faster than this is done for every reader: figures stay exact on a small outbox
LIVE_BELOW = 0.025


class FiguresSql(Protocol[C_contra]):
    """A backend's statements on the snapshot row."""

    async def load(self, con: C_contra) -> OutboxFigures | None:
        """The stored snapshot, if any."""
        ...

    async def save(self, con: C_contra, figures: OutboxFigures) -> None:
        """Store `figures` unless newer ones are stored."""
        ...


class FiguresKeeper(Generic[C]):
    """Hands out the stored snapshot while it is fresh; counts and stores a new one otherwise."""

    def __init__(
        self, database: Database[C], sql: FiguresSql[C], count: Callable[[datetime], Awaitable[OutboxFigures]]
    ) -> None:
        """`count(now)` counts the figures live."""
        self._database = database
        self._sql = sql
        self._count = count

    async def current(self, now: datetime, max_age: float, live_below: float = LIVE_BELOW) -> OutboxFigures:
        """Figures counted now, or the snapshot if counting took `live_below` s or more and it is at most `max_age` s old.

        A snapshot from a clock ahead of ours counts as fresh.
        """
        async with self._database.read() as con:
            stored = await self._sql.load(con)
        if stored is None:
            return await self.refresh(now)
        if stored.count_seconds < live_below:
            # quick to count: this reader's own count, no write on its behalf (the bot keeps the row)
            return await self._counted(now)
        if (now - stored.taken_at).total_seconds() <= max_age:
            return stored
        return await self.refresh(now)

    async def refresh(self, now: datetime) -> OutboxFigures:
        """Count the figures now and store them for the next readers."""
        figures = await self._counted(now)
        try:
            async with self._database.tx() as con:
                await self._sql.save(con, figures)
        except StoreError as exc:
            # a store that cannot write still answers /status with what it just counted
            log.warning("could not keep the outbox figures: %s", exc)
        return figures

    async def _counted(self, now: datetime) -> OutboxFigures:
        started = time.perf_counter()
        figures = await self._count(now)
        figures.count_seconds = time.perf_counter() - started
        return figures
