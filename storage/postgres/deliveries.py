"""The outbox: leasing due rows (SKIP LOCKED, so several dispatchers can share it) and results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from storage.models import DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult, QueueStats
from storage.postgres.base import PostgresBase, command_count
from storage.postgres.rows import (
    SUMMARY_COLUMNS,
    delivery_from_row,
    subscription_from_row,
    summary_from_row,
)
from storage.timeutil import utc, utcnow

# $1 now, $2 lease end, $3 limit, $4 platforms (NULL = all).
# Only the oldest pending row of a subscription may run: per-chat order, and an
# edit never overtakes its send. SKIP LOCKED lets another dispatcher claiming at
# the same moment take other rows instead of waiting for ours; the WHERE clause
# is re-checked on rows that changed meanwhile, so a row leased by a committed
# claim is never taken twice.
_CLAIM = (
    "WITH picked AS (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
    "WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND s.active "
    "AND (d.lease_until IS NULL OR d.lease_until <= $1) "
    "AND ($4::text[] IS NULL OR s.platform = ANY($4::text[])) "
    "AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = d.subscription_id "
    "AND e.status = 'pending' AND e.id < d.id) "
    "ORDER BY d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED) "
    "UPDATE deliveries SET lease_until = $2, attempts = deliveries.attempts + 1, updated_at = $1 "
    "FROM picked WHERE deliveries.id = picked.id RETURNING deliveries.*"
)

# For edit / retract rows: the message sent earlier for that summary and chat.
_SENT_MESSAGES = (
    "SELECT k.summary_id, k.subscription_id, "
    "(SELECT platform_message_id FROM deliveries WHERE summary_id = k.summary_id "
    "AND subscription_id = k.subscription_id AND action = 'send' AND status = 'sent' "
    "ORDER BY id DESC LIMIT 1) AS message_id, "
    "(SELECT max(message_revision) FROM deliveries WHERE summary_id = k.summary_id "
    "AND subscription_id = k.subscription_id AND status = 'sent') AS message_revision "
    "FROM unnest($1::bigint[], $2::bigint[]) AS k (summary_id, subscription_id)"
)

_FINISH = (
    "UPDATE deliveries SET status = $1, lease_until = NULL, "
    "next_attempt_at = coalesce($2, next_attempt_at), "
    "attempts = CASE WHEN $3 THEN attempts ELSE greatest(attempts - 1, 0) END, "
    "platform_message_id = coalesce($4, platform_message_id), "
    "message_revision = coalesce($5, message_revision), "
    "last_error = CASE WHEN $1 = 'pending' AND $6::text IS NULL THEN last_error ELSE $6 END, "
    # a row skipped meanwhile (unsubscribed, retracted) stays skipped unless it did go out
    "updated_at = $7 WHERE id = $8 AND (status = 'pending' OR $1 = 'sent')"
)


class DeliveriesMixin(PostgresBase):
    """Outbox operations for PostgresStore; following a moved chat comes from SubscriptionsMixin."""

    async def _move_subscription(self, con: asyncpg.Connection, subscription_id: int, new_chat_id: str) -> None:
        raise NotImplementedError

    async def enqueue_broadcast(self, text: str, *, created_by: str | None) -> int:
        """Queue a free-text message to every active subscription; returns deliveries queued."""
        now = utcnow()
        async with self._tx() as con:
            broadcast_id = await con.fetchval(
                "INSERT INTO broadcasts (text, created_by, created_at) VALUES ($1, $2, $3) RETURNING id",
                text,
                created_by,
                now,
            )
            status = await con.execute(
                "INSERT INTO deliveries (broadcast_id, revision, subscription_id, action, status, "
                "next_attempt_at, created_at, updated_at) SELECT $1, 1, id, 'send', 'pending', $2, $2, $2 "
                "FROM subscriptions WHERE active ORDER BY id",
                broadcast_id,
                now,
            )
        return command_count(status)

    async def claim_deliveries(
        self,
        *,
        now: datetime,
        limit: int,
        lease_seconds: float,
        platforms: Sequence[str] | None = None,
    ) -> list[DeliveryJob]:
        """Lease up to `limit` due rows, oldest first, at most one in flight per subscription."""
        now = utc(now)
        lease = now + timedelta(seconds=lease_seconds)
        wanted = list(platforms) if platforms is not None else None
        async with self._tx() as con:
            rows = sorted(await con.fetch(_CLAIM, now, lease, limit, wanted), key=lambda r: r["id"])
            if not rows:
                return []
            return await self._jobs(con, rows)

    async def _jobs(self, con: asyncpg.Connection, rows: list[Any]) -> list[DeliveryJob]:
        """Everything the dispatcher needs for these leased rows, in four queries."""
        sub_ids = sorted({r["subscription_id"] for r in rows})
        subs = {
            r["id"]: subscription_from_row(r)
            for r in await con.fetch("SELECT * FROM subscriptions WHERE id = ANY($1::bigint[])", sub_ids)
        }
        summary_ids = sorted({r["summary_id"] for r in rows if r["summary_id"] is not None})
        summaries = {}
        if summary_ids:
            summaries = {
                r["id"]: summary_from_row(r)
                for r in await con.fetch(
                    f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ANY($1::bigint[])", summary_ids
                )
            }
        followups = [r for r in rows if r["action"] != "send" and r["summary_id"] is not None]
        sent: dict[tuple[int, int], tuple[str | None, int | None]] = {}
        if followups:
            found = await con.fetch(
                _SENT_MESSAGES,
                [r["summary_id"] for r in followups],
                [r["subscription_id"] for r in followups],
            )
            sent = {
                (f["summary_id"], f["subscription_id"]): (f["message_id"], f["message_revision"])
                for f in found
            }
        broadcast_ids = sorted({r["broadcast_id"] for r in rows if r["broadcast_id"] is not None})
        texts: dict[int, str] = {}
        if broadcast_ids:
            texts = {
                b["id"]: b["text"]
                for b in await con.fetch(
                    "SELECT id, text FROM broadcasts WHERE id = ANY($1::bigint[])", broadcast_ids
                )
            }
        jobs = []
        for r in rows:
            message_id, message_revision = sent.get((r["summary_id"], r["subscription_id"]), (None, None))
            jobs.append(
                DeliveryJob(
                    delivery=delivery_from_row(r),
                    subscription=subs[r["subscription_id"]],
                    summary=summaries.get(r["summary_id"]),
                    broadcast_text=texts.get(r["broadcast_id"]) if r["broadcast_id"] is not None else None,
                    message_id=message_id,
                    message_revision=message_revision,
                )
            )
        return jobs

    async def finish_deliveries(self, results: Sequence[DeliveryResult]) -> None:
        """Record a batch of outcomes in one transaction."""
        if not results:
            return
        now = utcnow()
        async with self._tx() as con:
            await con.executemany(
                _FINISH,
                [
                    (
                        r.status.value,
                        utc(r.next_attempt_at) if r.next_attempt_at else None,
                        r.attempted,
                        r.platform_message_id,
                        r.message_revision,
                        r.error,
                        now,
                        r.delivery_id,
                    )
                    for r in results
                ],
            )
            # the alert's own row learns which revision its message shows now, so the
            # edit rows can be pruned without losing that
            # An edit that went out as a new message (its send had failed) or as a reply
            # (the old one was no longer editable) makes that message the alert's.
            await con.executemany(
                "UPDATE deliveries s SET message_revision = greatest(coalesce(s.message_revision, 0), "
                "coalesce($1::integer, 0)), platform_message_id = coalesce($3::text, s.platform_message_id), "
                "status = 'sent' FROM deliveries e WHERE e.id = $2 AND e.action <> 'send' "
                "AND s.action = 'send' AND s.status IN ('sent', 'dead') AND s.summary_id = e.summary_id "
                "AND s.subscription_id = e.subscription_id",
                [
                    (r.message_revision, r.delivery_id, r.platform_message_id)
                    for r in results
                    if r.status == DeliveryStatus.SENT
                    and (r.message_revision is not None or r.platform_message_id is not None)
                ],
            )
            for r in results:
                if r.deactivate_subscription or r.moved_to_chat_id:
                    await self._subscription_outcome(con, r, now)

    async def _subscription_outcome(self, con: asyncpg.Connection, r: DeliveryResult, now: datetime) -> None:
        """Deactivate or move the subscription behind a delivery, as its result asks."""
        sub_id = await con.fetchval("SELECT subscription_id FROM deliveries WHERE id = $1", r.delivery_id)
        if sub_id is None:
            return
        if r.deactivate_subscription:
            await con.execute("UPDATE subscriptions SET active = false, updated_at = $1 WHERE id = $2", now, sub_id)
            await con.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = $1, updated_at = $2 "
                "WHERE subscription_id = $3 AND status = 'pending'",
                r.error or "subscription deactivated",
                now,
                sub_id,
            )
        if r.moved_to_chat_id:
            await self._move_subscription(con, int(sub_id), r.moved_to_chat_id)

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Delete finished rows no later action needs (sent alert rows stay for corrections)."""
        async with self._tx() as con:
            status = await con.execute(
                "DELETE FROM deliveries WHERE status IN ('sent', 'skipped', 'dead') AND updated_at < $1 "
                "AND NOT (action = 'send' AND status = 'sent' AND summary_id IS NOT NULL)",
                utc(before),
            )
            await con.execute(
                "DELETE FROM broadcasts b WHERE b.created_at < $1 AND NOT EXISTS "
                "(SELECT 1 FROM deliveries d WHERE d.broadcast_id = b.id)",
                utc(before),
            )
            return command_count(status)

    async def queue_stats(self, *, now: datetime) -> QueueStats:
        """Outbox health for /status and /metrics."""
        now = utc(now)
        async with self._read() as con:
            # every part reads a (status, updated_at) index range, never the whole table:
            # sent rows pile up for as long as the bot runs
            row = await con.fetchrow(
                "SELECT count(*) AS pending, "
                "count(*) FILTER (WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)) AS due, "
                "count(*) FILTER (WHERE lease_until > $1) AS in_flight, "
                "min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1) AS oldest, "
                "(SELECT count(*) FROM deliveries WHERE status = 'dead') AS dead, "
                "(SELECT count(*) FROM deliveries WHERE status = 'sent' AND updated_at >= $2) AS sent_24h "
                "FROM deliveries WHERE status = 'pending'",
                now,
                now - timedelta(days=1),
            )
            err = await con.fetchval(
                "SELECT last_error FROM (" + " UNION ALL ".join(
                    f"(SELECT last_error, updated_at FROM deliveries WHERE status = '{s}' "
                    "AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1)"
                    for s in ("pending", "dead", "skipped")
                ) + ") e ORDER BY updated_at DESC LIMIT 1"
            )
        assert row is not None
        oldest = row["oldest"]
        return QueueStats(
            pending=row["pending"],
            due=row["due"],
            in_flight=row["in_flight"],
            dead=row["dead"],
            sent_24h=row["sent_24h"],
            oldest_due_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0,
            last_error=err,
        )
