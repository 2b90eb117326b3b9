"""The outbox: leasing due rows and recording what the platforms answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.models import Delivery, DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult, QueueStats
from storage.sqlite.base import SqliteBase
from storage.sqlite.rows import SUMMARY_COLUMNS, subscription_from_row, summary_from_row
from storage.timeutil import to_text, utcnow


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class DeliveriesMixin(SqliteBase):
    """Outbox operations for SqliteStore."""

    async def enqueue_broadcast(self, text: str, *, created_by: str | None) -> int:
        now = utcnow()
        async with self._tx() as db:
            async with db.execute(
                "INSERT INTO broadcasts (text, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
                (text, created_by, to_text(now)),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            cur2 = await db.execute(
                "INSERT INTO deliveries (broadcast_id, revision, subscription_id, action, status, "
                "next_attempt_at, created_at, updated_at) SELECT ?, 1, id, 'send', 'pending', ?, ?, ? "
                "FROM subscriptions WHERE active = 1",
                (row[0], now.timestamp(), to_text(now), to_text(now)),
            )
            return cur2.rowcount

    async def claim_deliveries(
        self,
        *,
        now: datetime,
        limit: int,
        lease_seconds: float,
        platforms: Sequence[str] | None = None,
    ) -> list[DeliveryJob]:
        ts = now.timestamp()
        args: dict[str, Any] = {"ts": ts, "lease": ts + lease_seconds, "limit": limit, "now": to_text(now)}
        platform_filter = ""
        if platforms is not None:
            names = {f"p{i}": p for i, p in enumerate(platforms)}
            args |= names
            platform_filter = f" AND s.platform IN ({', '.join(':' + k for k in names) or 'NULL'})"
        async with self._tx() as db:
            # Only the oldest pending row of a subscription may run: per-chat order,
            # and an edit never overtakes its send.
            async with db.execute(
                "UPDATE deliveries SET lease_until = :lease, attempts = attempts + 1, updated_at = :now "
                "WHERE id IN (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                "WHERE d.status = 'pending' AND d.next_attempt_at <= :ts AND s.active = 1 "
                "AND (d.lease_until IS NULL OR d.lease_until <= :ts)"
                f"{platform_filter} AND NOT EXISTS (SELECT 1 FROM deliveries e "
                "WHERE e.subscription_id = d.subscription_id AND e.status = 'pending' AND e.id < d.id) "
                "ORDER BY d.id LIMIT :limit) RETURNING id",
                args,
            ) as cur:
                ids = sorted(int(r[0]) for r in await cur.fetchall())
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            async with db.execute(
                f"SELECT d.*, b.text AS broadcast_text FROM deliveries d "
                f"LEFT JOIN broadcasts b ON b.id = d.broadcast_id WHERE d.id IN ({marks}) ORDER BY d.id",
                ids,
            ) as cur:
                rows = await cur.fetchall()
            sub_ids = sorted({r["subscription_id"] for r in rows})
            async with db.execute(
                f"SELECT * FROM subscriptions WHERE id IN ({', '.join('?' for _ in sub_ids)})", sub_ids
            ) as cur:
                subs = {r["id"]: subscription_from_row(r) for r in await cur.fetchall()}
            summary_ids = sorted({r["summary_id"] for r in rows if r["summary_id"] is not None})
            summaries = {}
            if summary_ids:
                async with db.execute(
                    f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN "
                    f"({', '.join('?' for _ in summary_ids)})",
                    summary_ids,
                ) as cur:
                    summaries = {r["id"]: summary_from_row(r) for r in await cur.fetchall()}
            jobs = []
            for r in rows:
                message_id = message_revision = None
                if r["action"] != "send" and r["summary_id"] is not None:
                    async with db.execute(
                        "SELECT (SELECT platform_message_id FROM deliveries WHERE summary_id = :s "
                        "AND subscription_id = :u AND action = 'send' AND status = 'sent' "
                        "ORDER BY id DESC LIMIT 1), (SELECT max(message_revision) FROM deliveries "
                        "WHERE summary_id = :s AND subscription_id = :u AND status = 'sent')",
                        {"s": r["summary_id"], "u": r["subscription_id"]},
                    ) as cur:
                        found = await cur.fetchone()
                    if found is not None:
                        message_id, message_revision = found[0], found[1]
                jobs.append(
                    DeliveryJob(
                        delivery=Delivery(
                            id=r["id"],
                            summary_id=r["summary_id"],
                            broadcast_id=r["broadcast_id"],
                            revision=r["revision"],
                            subscription_id=r["subscription_id"],
                            action=r["action"],
                            status=r["status"],
                            attempts=r["attempts"],
                            next_attempt_at=datetime.fromtimestamp(r["next_attempt_at"], UTC),
                            lease_until=_ts(r["lease_until"]),
                            platform_message_id=r["platform_message_id"],
                            last_error=r["last_error"],
                        ),
                        subscription=subs[r["subscription_id"]],
                        summary=summaries.get(r["summary_id"]),
                        broadcast_text=r["broadcast_text"],
                        message_id=message_id,
                        message_revision=message_revision,
                    )
                )
        return jobs

    async def finish_deliveries(self, results: Sequence[DeliveryResult]) -> None:
        if not results:
            return
        now = to_text(utcnow())
        async with self._tx() as db:
            await db.executemany(
                "UPDATE deliveries SET status = :status, lease_until = NULL, "
                "next_attempt_at = coalesce(:next, next_attempt_at), "
                "attempts = CASE WHEN :attempted THEN attempts ELSE max(attempts - 1, 0) END, "
                "platform_message_id = coalesce(:message_id, platform_message_id), "
                "message_revision = coalesce(:message_revision, message_revision), "
                "last_error = CASE WHEN :status = 'pending' AND :error IS NULL THEN last_error ELSE :error END, "
                # a row skipped meanwhile (unsubscribed, retracted) stays skipped unless it did go out
                "updated_at = :now WHERE id = :id AND (status = 'pending' OR :status = 'sent')",
                [
                    {
                        "status": r.status.value,
                        "next": r.next_attempt_at.timestamp() if r.next_attempt_at else None,
                        "attempted": int(r.attempted),
                        "message_id": r.platform_message_id,
                        "message_revision": r.message_revision,
                        "error": r.error,
                        "now": now,
                        "id": r.delivery_id,
                    }
                    for r in results
                ],
            )
            # the alert's own row learns which revision its message shows now, so the
            # edit rows can be pruned without losing that
            # An edit that went out as a new message (its send had failed) or as a reply
            # (the old one was no longer editable) makes that message the alert's.
            await db.executemany(
                "UPDATE deliveries SET message_revision = max(coalesce(message_revision, 0), "
                "coalesce(:rev, 0)), platform_message_id = coalesce(:mid, platform_message_id), "
                "status = 'sent' WHERE action = 'send' AND status IN ('sent', 'dead') "
                "AND (summary_id, subscription_id) = (SELECT summary_id, subscription_id "
                "FROM deliveries WHERE id = :id AND action != 'send')",
                [
                    {"rev": r.message_revision, "mid": r.platform_message_id, "id": r.delivery_id}
                    for r in results
                    if r.status == DeliveryStatus.SENT
                    and (r.message_revision is not None or r.platform_message_id is not None)
                ],
            )
            for r in results:
                if r.deactivate_subscription or r.moved_to_chat_id:
                    async with db.execute(
                        "SELECT subscription_id FROM deliveries WHERE id = ?", (r.delivery_id,)
                    ) as cur:
                        row = await cur.fetchone()
                    if row is None:
                        continue
                    if r.deactivate_subscription:
                        await db.execute(
                            "UPDATE subscriptions SET active = 0, updated_at = ? WHERE id = ?",
                            (now, row[0]),
                        )
                        await db.execute(
                            "UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ? "
                            "WHERE subscription_id = ? AND status = 'pending'",
                            (r.error or "subscription deactivated", now, row[0]),
                        )
                    if r.moved_to_chat_id:
                        await self._move_subscription(db, int(row[0]), r.moved_to_chat_id)

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Delete finished rows no later action needs (sent alert rows stay for corrections)."""
        async with self._tx() as db:
            cur = await db.execute(
                "DELETE FROM deliveries WHERE status IN ('sent', 'skipped', 'dead') AND updated_at < ? "
                "AND NOT (action = 'send' AND status = 'sent' AND summary_id IS NOT NULL)",
                (to_text(before),),
            )
            await db.execute(
                "DELETE FROM broadcasts WHERE created_at < ? AND NOT EXISTS "
                "(SELECT 1 FROM deliveries d WHERE d.broadcast_id = broadcasts.id)",
                (to_text(before),),
            )
            return cur.rowcount

    async def queue_stats(self, *, now: datetime) -> QueueStats:
        # every part reads a (status, updated_at) index range, never the whole table:
        # sent rows pile up for as long as the bot runs
        ts = now.timestamp()
        args = {"ts": ts, "day_ago": to_text(now - timedelta(days=1))}
        async with self._read() as db:
            async with db.execute(
                "SELECT count(*), "
                "coalesce(sum(next_attempt_at <= :ts AND (lease_until IS NULL OR lease_until <= :ts)), 0), "
                "coalesce(sum(lease_until > :ts), 0), "
                "min(CASE WHEN next_attempt_at <= :ts THEN next_attempt_at END) "
                "FROM deliveries WHERE status = 'pending'",
                args,
            ) as cur:
                row = await cur.fetchone()
            async with db.execute(
                "SELECT (SELECT count(*) FROM deliveries WHERE status = 'dead'), "
                "(SELECT count(*) FROM deliveries WHERE status = 'sent' AND updated_at >= :day_ago)",
                args,
            ) as cur:
                counts = await cur.fetchone()
            async with db.execute(
                "SELECT last_error, updated_at FROM (" + " UNION ALL ".join(
                    f"SELECT * FROM (SELECT last_error, updated_at FROM deliveries WHERE status = '{s}' "
                    "AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1)"
                    for s in ("pending", "dead", "skipped")
                ) + ") ORDER BY updated_at DESC LIMIT 1"
            ) as cur:
                err = await cur.fetchone()
        assert row is not None and counts is not None
        oldest = row[3]
        return QueueStats(
            pending=row[0],
            due=row[1],
            in_flight=row[2],
            dead=counts[0],
            sent_24h=counts[1],
            oldest_due_age_seconds=max(0.0, ts - oldest) if oldest is not None else 0.0,
            last_error=err[0] if err else None,
        )
