"""Outbox statements in SQLite: leasing due rows and recording what the platforms answered.

Outbox times (next_attempt_at, lease_until) are epoch seconds, compared as numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from storage.deliveries import Claim, SentMessages
from storage.models import Delivery, DeliveryStatus, StrikeSummary, Subscription
from storage.outbox import DeliveryResult, QueueStats
from storage.rows import DELIVERY_COLUMNS, SUBSCRIPTION_COLUMNS, SUMMARY_COLUMNS
from storage.sqlite.rows import row_reader
from storage.timeutil import to_text


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


async def _count(con: aiosqlite.Connection, sql: str, args: Sequence[Any]) -> int:
    """One count(*), 0 without arguments (an IN () list)."""
    if not args:
        return 0
    rows = list(await con.execute_fetchall(sql, list(args)))
    return int(rows[0][0]) if rows else 0


def _finish_params(result: DeliveryResult, now_text: str, holder: str | None) -> tuple[Any, ...]:
    """`finish_values` as the statement's numbered parameters ?1 … ?9, the batch's time encoded once.

    Built directly rather than from the dict: 0.4 µs a row against 4.5, for every row of a fan-out.
    """
    next_at = result.next_attempt_at
    return (
        result.status.value,
        next_at.timestamp() if next_at else None,
        int(result.attempted),
        result.platform_message_id,
        result.message_revision,
        result.error,
        now_text,
        result.delivery_id,
        holder,
    )


class SqliteOutbox:
    """The outbox statements of the SQLite backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def enqueue_broadcast(
        self, con: aiosqlite.Connection, text: str, created_by: str | None, now: datetime
    ) -> int:
        """Store a broadcast and queue it to every active subscription."""
        async with con.execute(
            "INSERT INTO broadcasts (text, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
            (text, created_by, to_text(now)),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        queued = await con.execute(
            "INSERT INTO deliveries (broadcast_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) SELECT ?, 1, id, 'send', 'pending', ?, ?, ? "
            "FROM subscriptions WHERE active = 1",
            (row[0], now.timestamp(), to_text(now), to_text(now)),
        )
        return queued.rowcount

    async def claim(self, con: aiosqlite.Connection, claim: Claim) -> list[Delivery]:
        """Lease up to `claim.limit` due rows, longest due first, the oldest pending row of each subscription only."""
        ts = claim.now.timestamp()
        args: dict[str, Any] = {
            "ts": ts,
            "lease": claim.lease_until.timestamp(),
            "limit": claim.limit,
            "now": to_text(claim.now),
            "holder": claim.holder,
        }
        platform_filter = ""
        if claim.platforms is not None:
            names = {f"p{i}": p for i, p in enumerate(claim.platforms)}
            args |= names
            platform_filter = f" AND s.platform IN ({', '.join(':' + k for k in names) or 'NULL'})"
        # execute_fetchall: one hop to the driver's thread instead of three (execute, fetch, close)
        rows = await con.execute_fetchall(
            "UPDATE deliveries SET lease_until = :lease, lease_holder = :holder, attempts = attempts + 1, "
            "updated_at = :now "
            # oldest due first in the due index's own order (its key ends in the rowid), so the
            # scan stops at the limit; left to itself the planner reads every pending row
            # through the status index and sorts them: 264 ms against 2 ms at 100,000 pending
            "WHERE id IN (SELECT d.id FROM deliveries d INDEXED BY deliveries_due "
            "JOIN subscriptions s ON s.id = d.subscription_id "
            "WHERE d.status = 'pending' AND d.next_attempt_at <= :ts AND s.active = 1 "
            "AND (d.lease_until IS NULL OR d.lease_until <= :ts)"
            f"{platform_filter} AND NOT EXISTS (SELECT 1 FROM deliveries e "
            "WHERE e.subscription_id = d.subscription_id AND e.status = 'pending' AND e.id < d.id) "
            f"ORDER BY d.next_attempt_at, d.id LIMIT :limit) RETURNING {DELIVERY_COLUMNS}",
            args,
        )
        return sorted((self._rows.delivery(r) for r in rows), key=lambda d: d.id)

    async def renew(
        self, con: aiosqlite.Connection, ids: list[int], holder: str, lease_until: datetime
    ) -> list[int]:
        """Extend the leases `holder` still holds among `ids`."""
        async with con.execute(
            f"UPDATE deliveries SET lease_until = ? WHERE id IN ({_marks(ids)}) "
            "AND status = 'pending' AND lease_holder = ? RETURNING id",
            [lease_until.timestamp(), *ids, holder],
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def subscriptions(self, con: aiosqlite.Connection, ids: list[int]) -> dict[int, Subscription]:
        """Subscriptions by id."""
        rows = await con.execute_fetchall(f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id IN ({_marks(ids)})", ids)
        return {s.id: s for s in map(self._rows.subscription, rows)}

    async def summaries(self, con: aiosqlite.Connection, ids: list[int]) -> dict[int, StrikeSummary]:
        """Summaries by id."""
        rows = await con.execute_fetchall(f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ({_marks(ids)})", ids)
        return {r["id"]: self._rows.summary(r) for r in rows}

    async def sent_messages(self, con: aiosqlite.Connection, keys: list[tuple[int, int]]) -> SentMessages:
        """For (summary_id, subscription_id) pairs: the message sent there and the newest revision it shows."""
        found: SentMessages = {}
        for summary_id, subscription_id in keys:
            async with con.execute(
                "SELECT (SELECT platform_message_id FROM deliveries WHERE summary_id = :s "
                "AND subscription_id = :u AND action = 'send' AND status = 'sent' "
                "ORDER BY id DESC LIMIT 1), (SELECT max(message_revision) FROM deliveries "
                "WHERE summary_id = :s AND subscription_id = :u AND status = 'sent')",
                {"s": summary_id, "u": subscription_id},
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                found[(summary_id, subscription_id)] = (row[0], row[1])
        return found

    async def broadcast_texts(self, con: aiosqlite.Connection, ids: list[int]) -> dict[int, str]:
        """Broadcast texts by id."""
        async with con.execute(f"SELECT id, text FROM broadcasts WHERE id IN ({_marks(ids)})", ids) as cur:
            return {r["id"]: r["text"] for r in await cur.fetchall()}

    async def finish(
        self, con: aiosqlite.Connection, results: Sequence[DeliveryResult], now: datetime, holder: str | None
    ) -> None:
        """Write each result into its row; tally the rows that became sent."""
        sent_ids = [r.delivery_id for r in results if r.status == DeliveryStatus.SENT]
        if sent_ids:
            # counted before the update, and tallied in the same statement: one hop to the driver's thread
            await con.execute(
                "INSERT INTO delivery_tallies (sent_at, sent) SELECT ?, n FROM (SELECT count(*) AS n "
                f"FROM deliveries WHERE id IN ({_marks(sent_ids)}) AND status != 'sent') WHERE n > 0",
                [now.timestamp(), *sent_ids],
            )
        now_text = to_text(now)
        # ?1 status, ?2 next, ?3 attempted, ?4 message_id, ?5 message_revision, ?6 error, ?7 now, ?8 id, ?9 holder
        await con.executemany(
            "UPDATE deliveries SET status = ?1, lease_until = NULL, lease_holder = NULL, "
            "next_attempt_at = coalesce(?2, next_attempt_at), "
            "attempts = CASE WHEN ?3 THEN attempts ELSE max(attempts - 1, 0) END, "
            "platform_message_id = coalesce(?4, platform_message_id), "
            "message_revision = coalesce(?5, message_revision), "
            "last_error = CASE WHEN ?1 = 'pending' AND ?6 IS NULL THEN last_error ELSE ?6 END, "
            # a row skipped meanwhile (unsubscribed, retracted) stays skipped unless it did go out
            "updated_at = ?7 WHERE id = ?8 AND (status = 'pending' OR ?1 = 'sent') "
            # a lease taken over by another holder is theirs to finish (see finish_values)
            "AND (?1 = 'sent' OR ?9 IS NULL OR lease_holder IS ?9)",
            [_finish_params(r, now_text, holder) for r in results],
        )

    async def adopt(self, con: aiosqlite.Connection, results: Sequence[DeliveryResult]) -> int:
        """The alert's own send row takes the message and revision its follow-ups went out with."""
        # most batches hold only the alerts' own sends: one look for follow-ups, and done
        candidates = [r.delivery_id for r in results]
        follow_ups = await con.execute_fetchall(
            f"SELECT id FROM deliveries WHERE id IN ({_marks(candidates)}) AND action != 'send'", candidates
        )
        ids = [int(r[0]) for r in follow_ups]
        if not ids:
            return 0
        wanted = set(ids)
        results = [r for r in results if r.delivery_id in wanted]
        # a dead send row whose edit went out as a new message becomes sent here
        revived = await _count(
            con,
            "SELECT count(*) FROM deliveries WHERE action = 'send' AND status = 'dead' "
            "AND (summary_id, subscription_id) IN (SELECT summary_id, subscription_id FROM deliveries "
            f"WHERE id IN ({_marks(ids)}) AND action != 'send')",
            ids,
        )
        await con.executemany(
            "UPDATE deliveries SET message_revision = max(coalesce(message_revision, 0), "
            "coalesce(:rev, 0)), platform_message_id = coalesce(:mid, platform_message_id), "
            "status = 'sent' WHERE action = 'send' AND status IN ('sent', 'dead') "
            "AND (summary_id, subscription_id) = (SELECT summary_id, subscription_id "
            "FROM deliveries WHERE id = :id AND action != 'send')",
            [{"rev": r.message_revision, "mid": r.platform_message_id, "id": r.delivery_id} for r in results],
        )
        return revived

    async def tally(self, con: aiosqlite.Connection, sent: int, now: datetime) -> None:
        """Note `sent` new sends at `now`."""
        await con.execute("INSERT INTO delivery_tallies (sent_at, sent) VALUES (?, ?)", (now.timestamp(), sent))

    async def subscription_of(self, con: aiosqlite.Connection, delivery_id: int) -> int | None:
        """The subscription a delivery row belongs to."""
        async with con.execute("SELECT subscription_id FROM deliveries WHERE id = ?", (delivery_id,)) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def prune(self, con: aiosqlite.Connection, before: datetime) -> int:
        """Delete finished rows no later action needs (sent alert rows stay for corrections)."""
        cur = await con.execute(
            "DELETE FROM deliveries WHERE status IN ('sent', 'skipped', 'dead') AND updated_at < ? "
            "AND NOT (action = 'send' AND status = 'sent' AND summary_id IS NOT NULL)",
            (to_text(before),),
        )
        await con.execute(
            "DELETE FROM broadcasts WHERE created_at < ? AND NOT EXISTS "
            "(SELECT 1 FROM deliveries d WHERE d.broadcast_id = broadcasts.id)",
            (to_text(before),),
        )
        # one row per minute instead of one per batch keeps the 24 h sum small; the
        # write lock is held, so no batch commits between the INSERT and the DELETE
        await con.execute(
            "INSERT INTO delivery_tallies (sent_at, sent, merged) SELECT CAST(sent_at / 60 AS INTEGER) * 60, "
            "sum(sent), 1 FROM delivery_tallies WHERE merged = 0 GROUP BY 1"
        )
        await con.execute("DELETE FROM delivery_tallies WHERE merged = 0")
        # a day past `before`: sent_24h stays right whatever `before` a caller prunes with
        await con.execute(
            "DELETE FROM delivery_tallies WHERE sent_at < ?", ((before - timedelta(days=1)).timestamp(),)
        )
        return cur.rowcount

    async def queue_stats(self, con: aiosqlite.Connection, now: datetime) -> QueueStats:
        """Outbox health, each figure from an index range or the send tallies, never the sent rows."""
        ts = now.timestamp()
        args = {"ts": ts, "day_ago": (now - timedelta(days=1)).timestamp()}
        # due = pending - not yet due - leased: the only long range read is the pending count
        async with con.execute(
            "SELECT (SELECT count(*) FROM deliveries INDEXED BY deliveries_due WHERE status = 'pending'), "
            "(SELECT count(*) FROM deliveries INDEXED BY deliveries_due "
            "WHERE status = 'pending' AND next_attempt_at > :ts), "
            "(SELECT count(*) FROM deliveries INDEXED BY deliveries_leased "
            "WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until > :ts), "
            "(SELECT count(*) FROM deliveries INDEXED BY deliveries_leased "
            "WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until > :ts AND next_attempt_at <= :ts), "
            "(SELECT min(next_attempt_at) FROM deliveries INDEXED BY deliveries_due WHERE status = 'pending'), "
            "(SELECT count(*) FROM deliveries WHERE status = 'dead'), "
            "(SELECT coalesce(sum(sent), 0) FROM delivery_tallies WHERE sent_at >= :day_ago), "
            "(SELECT last_error FROM deliveries INDEXED BY deliveries_recent_errors "
            "WHERE last_error IS NOT NULL AND status IN ('pending', 'dead', 'skipped') "
            "ORDER BY updated_at DESC, id DESC LIMIT 1)",
            args,
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        pending, later, in_flight, leased_due, oldest, dead, sent_24h, last_error = row
        return QueueStats(
            pending=pending,
            due=pending - later - leased_due,
            in_flight=in_flight,
            dead=dead,
            sent_24h=sent_24h,
            oldest_due_age_seconds=max(0.0, ts - oldest) if oldest is not None and oldest <= ts else 0.0,
            last_error=last_error,
        )
