"""Expanding fan-outs: the next chunk of the oldest `fanouts` row, one transaction per chunk (see storage/fanout.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from storage.database import Database
from storage.fanout import FanoutSql, Span
from storage.ingest import Revision
from storage.models import SummaryStatus
from storage.summaries import SummarySql

C = TypeVar("C")


@dataclass(frozen=True)
class Step:
    """One expansion transaction: rows queued, and whether anything may be left."""

    queued: int
    more: bool


async def expand_step(
    database: Database[C], sql: FanoutSql[C], summaries: SummarySql[C], chunk: int, now: datetime
) -> Step:
    """Queue the next chunk of the oldest fan-out, in one transaction (nothing when another process expands)."""
    async with database.tx() as con:
        if not await sql.hold_expansion(con):
            return Step(0, more=False)
        fan = await sql.oldest(con)
        if fan is None:
            return Step(0, more=False)
        # FOR UPDATE: a correction or retraction of the summary waits for this chunk, or this chunk for it
        summary = await summaries.by_id(con, fan.summary_id, for_update=True)
        if summary is None or summary.status != SummaryStatus.ACTIVE:
            await sql.remove(con, fan.id)
            return Step(0, more=True)
        out = Revision(summary.id, summary.revision, summary.draft())
        done = await sql.queue(con, out, now, Span(fan.cursor_id, fan.max_subscription_id), chunk)
        if done.matched < chunk or done.last_id is None:
            await sql.remove(con, fan.id)
        else:
            await sql.advance(con, fan.id, done.last_id)
        return Step(done.queued, more=True)


async def expand_oldest(
    database: Database[C], sql: FanoutSql[C], summaries: SummarySql[C], chunk: int, now: datetime
) -> int:
    """Expand until a chunk queued rows or nothing is left: rows queued (0: nothing left, or another process expands)."""
    while True:
        step = await expand_step(database, sql, summaries, max(1, chunk), now)
        if step.queued or not step.more:
            return step.queued
