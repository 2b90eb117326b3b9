"""Fan-out statements in SQLite: chunks of matching subscriptions by id, and the `fanouts` cursor rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from storage.fanout import Chunk, Fanout, Span
from storage.ingest import Revision
from storage.sqlite.fetch import first_row
from storage.sqlite.summaries import MATCHES, NEW_ONLY, fanout_params
from storage.timeutil import to_text

# a huge id stands for "no upper bound", so one statement serves both
_NO_BOUND = 2**62


def _span_params(out: Revision, now: datetime, span: Span) -> dict[str, Any]:
    upto = _NO_BOUND if span.upto is None else span.upto
    return fanout_params(out, now) | {"after": span.after, "upto": upto}


# Matching subscriptions in an id range. NOT INDEXED: the planner would rather read every
# active subscription through subscriptions_active and sort them, 100,000 rows per chunk;
# the range of the primary key reads only the chunk.
_MATCHING_IN = f"SELECT s.id FROM subscriptions s NOT INDEXED WHERE {MATCHES} AND s.id > :after"
_IN_SPAN = f"{_MATCHING_IN} AND s.id <= :upto"


class SqliteFanouts:
    """The fan-out statements of the SQLite backend (one writer at a time: BEGIN IMMEDIATE is every lock)."""

    async def hold_start(self, con: aiosqlite.Connection) -> None:
        """Nothing to take: the write transaction already holds the whole database."""

    async def hold_expansion(self, con: aiosqlite.Connection) -> bool:
        """Always ours: the write transaction already holds the whole database."""
        return True

    async def in_progress(self, con: aiosqlite.Connection) -> bool:
        """Whether any fan-out is still being expanded."""
        row = await first_row(con, "SELECT EXISTS (SELECT 1 FROM fanouts)")
        return bool(row and row[0])

    async def top_subscription(self, con: aiosqlite.Connection) -> int:
        """The highest subscription id (0 with none)."""
        row = await first_row(con, "SELECT coalesce(max(id), 0) FROM subscriptions")
        return int(row[0]) if row else 0

    async def queue(
        self, con: aiosqlite.Connection, out: Revision, now: datetime, span: Span, limit: int | None
    ) -> Chunk:
        """Queue the alert to the first `limit` matching subscriptions in `span` that have no send of it."""
        params = _span_params(out, now, span) | {"limit": -1 if limit is None else limit}
        row = await first_row(con, f"SELECT count(*), max(id) FROM ({_IN_SPAN} ORDER BY s.id LIMIT :limit)", params)
        if row is None or not row[0]:
            return Chunk(0, 0, None)
        matched, last = int(row[0]), int(row[1])
        cur = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            "SELECT :summary_id, :revision, id, 'send', 'pending', :due, :now, :now "
            f"FROM ({_MATCHING_IN} AND s.id <= :last{NEW_ONLY} ORDER BY s.id) s",
            params | {"last": last},
        )
        return Chunk(cur.rowcount, matched, last)

    async def count(
        self, con: aiosqlite.Connection, out: Revision, now: datetime, span: Span, *, only_new: bool
    ) -> int:
        """Matching subscriptions in `span` (only_new: without a send of the summary yet)."""
        new_only = NEW_ONLY if only_new else ""
        row = await first_row(con, f"SELECT count(*) FROM ({_IN_SPAN}{new_only})", _span_params(out, now, span))
        return int(row[0]) if row else 0

    async def add(
        self, con: aiosqlite.Connection, out: Revision, cursor_id: int, max_subscription_id: int, now: datetime
    ) -> None:
        """Leave a fan-out row for the expander."""
        await con.execute(
            "INSERT INTO fanouts (summary_id, revision, cursor_id, max_subscription_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (out.summary_id, out.number, cursor_id, max_subscription_id, to_text(now)),
        )

    async def oldest(self, con: aiosqlite.Connection) -> Fanout | None:
        """The fan-out to expand next."""
        return await self._one(con, "ORDER BY id LIMIT 1", ())

    async def of_summary(self, con: aiosqlite.Connection, summary_id: int) -> Fanout | None:
        """The summary's fan-out still being expanded, if any."""
        return await self._one(con, "WHERE summary_id = ? ORDER BY id LIMIT 1", (summary_id,))

    async def advance(self, con: aiosqlite.Connection, fanout_id: int, cursor_id: int) -> None:
        """Move a fan-out's cursor past the subscriptions just queued."""
        await con.execute("UPDATE fanouts SET cursor_id = ? WHERE id = ?", (cursor_id, fanout_id))

    async def remove(self, con: aiosqlite.Connection, fanout_id: int) -> None:
        """A fan-out is done (or its summary was retracted)."""
        await con.execute("DELETE FROM fanouts WHERE id = ?", (fanout_id,))

    async def _one(self, con: aiosqlite.Connection, tail: str, args: tuple[Any, ...]) -> Fanout | None:
        row = await first_row(con, f"SELECT id, summary_id, cursor_id, max_subscription_id FROM fanouts {tail}", args)
        return Fanout(int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else None
