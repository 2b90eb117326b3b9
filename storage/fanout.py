"""Fan-out in chunks, written once: the first chunk inside the ingest, the rest expanded later, oldest first.

An ingest that queued the alert to 100,000 chats in its own transaction took
seconds (docs/design.md "Delivery semantics", bench/README.md). Instead it
queues the first `first_chunk` matching subscriptions (ascending id) and, when
more may match, leaves a `fanouts` row: a cursor (the last subscription id
queued) and the highest subscription id at ingest; storage/expansion.py
queues the rest, a chunk per transaction.

Per-chat order rests on delivery ids (only the oldest pending row of a
subscription is leased), so a younger summary must never get a row in a chat
before an older one: while any fan-out is in progress, a new summary gets only
a `fanouts` row (cursor 0), and rows are expanded strictly oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    # storage.ingest imports this module
    from storage.ingest import Revision

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)

# subscriptions queued inside the ingest transaction; later chunks are the expander's. 500 covers
# the first claims (128 rows, then ~440) while the expander queues its first chunk, and keeps the
# ingest short: at 100,000 chats on a slow host, ingest → first send 195-219 ms on PostgreSQL with
# 1,000, 132-172 ms with 500 (SQLite 127 -> 111 ms)
FIRST_CHUNK = 500
CHUNK = 5000


@dataclass(frozen=True)
class Fanout:
    """One summary's fan-out still being expanded."""

    id: int
    summary_id: int
    cursor_id: int
    max_subscription_id: int


@dataclass(frozen=True)
class Chunk:
    """What one chunk did: rows queued, matching subscriptions passed over, the last one's id."""

    queued: int
    matched: int
    last_id: int | None


@dataclass(frozen=True)
class Span:
    """Subscription ids in (after, upto]; upto None: no upper bound."""

    after: int = 0
    upto: int | None = None


class FanoutSql(Protocol[C_contra]):
    """The statements of the fan-out, run inside the caller's transaction."""

    async def hold_start(self, con: C_contra) -> None:
        """Serialize the decision "is a fan-out in progress?" between concurrent ingests."""
        ...

    async def hold_expansion(self, con: C_contra) -> bool:
        """Take the expansion's lock for this transaction: False when another process expands right now."""
        ...

    async def in_progress(self, con: C_contra) -> bool:
        """Whether any fan-out is still being expanded."""
        ...

    async def top_subscription(self, con: C_contra) -> int:
        """The highest subscription id (0 with none)."""
        ...

    async def queue(self, con: C_contra, out: Revision, now: datetime, span: Span, limit: int | None) -> Chunk:
        """Queue the alert to the first `limit` matching subscriptions in `span`, by id, that have no send of it."""
        ...

    async def count(self, con: C_contra, out: Revision, now: datetime, span: Span, *, only_new: bool) -> int:
        """Matching subscriptions in `span` (only_new: without a send of the summary yet)."""
        ...

    async def add(self, con: C_contra, out: Revision, cursor_id: int, max_subscription_id: int, now: datetime) -> None:
        """Leave a fan-out row for the expander."""
        ...

    async def oldest(self, con: C_contra) -> Fanout | None:
        """The fan-out to expand next."""
        ...

    async def of_summary(self, con: C_contra, summary_id: int) -> Fanout | None:
        """The summary's fan-out still being expanded, if any."""
        ...

    async def advance(self, con: C_contra, fanout_id: int, cursor_id: int) -> None:
        """Move a fan-out's cursor past the subscriptions just queued."""
        ...

    async def remove(self, con: C_contra, fanout_id: int) -> None:
        """A fan-out is done (or its summary was retracted)."""
        ...


async def start_fanout(sql: FanoutSql[C], con: C, out: Revision, now: datetime, first_chunk: int) -> int:
    """A new summary's sends: the first chunk now, a fan-out row for the rest; the number of chats it goes to."""
    await sql.hold_start(con)
    top = await sql.top_subscription(con)
    if await sql.in_progress(con):
        # an older summary is still being expanded: queueing ours now could overtake it in some chats
        total = await sql.count(con, out, now, Span(0, top), only_new=False)
        if total:
            await sql.add(con, out, 0, top, now)
        return total
    first = await sql.queue(con, out, now, Span(0, top), first_chunk)
    if first.matched < first_chunk or first.last_id is None:
        return first.queued
    rest = await sql.count(con, out, now, Span(first.last_id, top), only_new=False)
    if rest:
        await sql.add(con, out, first.last_id, top, now)
    return first.queued + rest


async def correction_sends(sql: FanoutSql[C], con: C, out: Revision, now: datetime) -> int | None:
    """Sends of a correction to newly matched chats while its fan-out runs: the number of chats; None without one.

    Only chats the expansion already passed (and those subscribed after the
    ingest) are queued now; the expansion queues the rest with this revision's
    matching, so the correction cannot overtake an older summary there either.
    """
    fan = await sql.of_summary(con, out.summary_id)
    if fan is None:
        return None
    done = await sql.queue(con, out, now, Span(0, fan.cursor_id), None)
    later = await sql.queue(con, out, now, Span(fan.max_subscription_id, None), None)
    ahead = await sql.count(con, out, now, Span(fan.cursor_id, fan.max_subscription_id), only_new=True)
    return done.queued + later.queued + ahead
