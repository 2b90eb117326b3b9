"""Fan-out statements in PostgreSQL: chunks of matching subscriptions by id, and the `fanouts` cursor rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from storage.fanout import Chunk, Fanout, Span
from storage.ingest import Revision
from storage.postgres.database import LONG_TIMEOUT
from storage.postgres.summaries import MATCHING, NEW_ONLY, matching_args

# Two transaction-level advisory locks per schema. Starting: concurrent ingests decide
# one after the other whether a fan-out is in progress, or both could queue a first
# chunk and overtake each other's expansion. Expanding: two instances never expand at
# once (each would take the same oldest row); a busy lock is not waited for.
_HOLD_START = "SELECT pg_advisory_xact_lock(hashtext('strikebot.fanout-start'), hashtext(current_schema()))"
_TRY_EXPANSION = "SELECT pg_try_advisory_xact_lock(hashtext('strikebot.fanout-expand'), hashtext(current_schema()))"

_COLUMNS = "id, summary_id, cursor_id, max_subscription_id"


def _span(after: int, upto: int) -> str:
    """Subscription ids in ($after, $upto], a NULL upto meaning no bound; appended to MATCHING."""
    return f" AND s.id > ${after} AND (${upto}::bigint IS NULL OR s.id <= ${upto})"


def _fanout(row: asyncpg.Record | None) -> Fanout | None:
    if row is None:
        return None
    return Fanout(int(row["id"]), int(row["summary_id"]), int(row["cursor_id"]), int(row["max_subscription_id"]))


class PostgresFanouts:
    """The fan-out statements of the PostgreSQL backend."""

    async def hold_start(self, con: asyncpg.Connection) -> None:
        """Wait for other ingests deciding whether a fan-out is in progress; held until the transaction ends."""
        # the other ingest's transaction may be queueing a large first chunk
        await con.execute(_HOLD_START, timeout=LONG_TIMEOUT)

    async def hold_expansion(self, con: asyncpg.Connection) -> bool:
        """Take the expansion's lock for this transaction: False when another process expands right now."""
        return bool(await con.fetchval(_TRY_EXPANSION))

    async def in_progress(self, con: asyncpg.Connection) -> bool:
        """Whether any fan-out is still being expanded."""
        return bool(await con.fetchval("SELECT EXISTS (SELECT 1 FROM fanouts)"))

    async def top_subscription(self, con: asyncpg.Connection) -> int:
        """The highest subscription id (0 with none)."""
        return int(await con.fetchval("SELECT coalesce(max(id), 0) FROM subscriptions"))

    async def queue(
        self, con: asyncpg.Connection, out: Revision, now: datetime, span: Span, limit: int | None
    ) -> Chunk:
        """Queue the alert to the first `limit` matching subscriptions in `span` that have no send of it."""
        # one statement: the chunk's ids, then the rows of those without a send yet;
        # $1 launched, $2 now, $3 regions (MATCHING), $4 summary, $5 revision, $6 after, $7 upto, $8 limit
        row = await con.fetchrow(
            f"WITH chunk AS ({MATCHING}{_span(6, 7)} ORDER BY s.id LIMIT $8), "
            "queued AS (INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT $4, $5, c.id, 'send', 'pending', $2, $2, $2 FROM chunk c WHERE NOT EXISTS "
            "(SELECT 1 FROM deliveries d WHERE d.summary_id = $4 AND d.subscription_id = c.id "
            "AND d.action = 'send' AND d.status <> 'skipped') ORDER BY c.id RETURNING 1) "
            "SELECT (SELECT count(*) FROM queued) AS queued, count(*) AS matched, max(id) AS last FROM chunk",
            *matching_args(out, now),
            out.summary_id,
            out.number,
            span.after,
            span.upto,
            limit,
            timeout=LONG_TIMEOUT,
        )
        assert row is not None
        last = row["last"]
        return Chunk(int(row["queued"]), int(row["matched"]), int(last) if last is not None else None)

    async def count(
        self, con: asyncpg.Connection, out: Revision, now: datetime, span: Span, *, only_new: bool
    ) -> int:
        """Matching subscriptions in `span` (only_new: without a send of the summary yet)."""
        if only_new:
            sql = f"SELECT count(*) FROM ({MATCHING}{_span(5, 6)}{NEW_ONLY}) m"
            args: tuple[Any, ...] = (*matching_args(out, now), out.summary_id, span.after, span.upto)
        else:
            sql = f"SELECT count(*) FROM ({MATCHING}{_span(4, 5)}) m"
            args = (*matching_args(out, now), span.after, span.upto)
        return int(await con.fetchval(sql, *args))

    async def add(
        self, con: asyncpg.Connection, out: Revision, cursor_id: int, max_subscription_id: int, now: datetime
    ) -> None:
        """Leave a fan-out row for the expander."""
        await con.execute(
            "INSERT INTO fanouts (summary_id, revision, cursor_id, max_subscription_id, created_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            out.summary_id,
            out.number,
            cursor_id,
            max_subscription_id,
            now,
        )

    async def oldest(self, con: asyncpg.Connection) -> Fanout | None:
        """The fan-out to expand next."""
        return _fanout(await con.fetchrow(f"SELECT {_COLUMNS} FROM fanouts ORDER BY id LIMIT 1"))

    async def of_summary(self, con: asyncpg.Connection, summary_id: int) -> Fanout | None:
        """The summary's fan-out still being expanded, if any."""
        return _fanout(
            await con.fetchrow(f"SELECT {_COLUMNS} FROM fanouts WHERE summary_id = $1 ORDER BY id LIMIT 1", summary_id)
        )

    async def advance(self, con: asyncpg.Connection, fanout_id: int, cursor_id: int) -> None:
        """Move a fan-out's cursor past the subscriptions just queued."""
        await con.execute("UPDATE fanouts SET cursor_id = $2 WHERE id = $1", fanout_id, cursor_id)

    async def remove(self, con: asyncpg.Connection, fanout_id: int) -> None:
        """A fan-out is done (or its summary was retracted)."""
        await con.execute("DELETE FROM fanouts WHERE id = $1", fanout_id)
