"""Outbox statements in PostgreSQL: leasing due rows (SKIP LOCKED, so several dispatchers can share it) and results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from storage.deliveries import Claim, SentMessages, finish_values
from storage.models import Delivery, StrikeSummary, Subscription
from storage.outbox import DeliveryResult, QueueStats
from storage.postgres.database import LONG_TIMEOUT, command_count
from storage.postgres.rows import row_reader
from storage.rows import DELIVERY_FIELDS, SUBSCRIPTION_COLUMNS, SUMMARY_COLUMNS
from storage.timeutil import utc

# $1 now, $2 lease end, $3 limit, $4 platforms (NULL = all), $5 lease holder.
# Oldest due first, in the due index's own order, so the scan stops at the limit.
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
    "ORDER BY d.next_attempt_at, d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED) "
    "UPDATE deliveries SET lease_until = $2, lease_holder = $5, attempts = deliveries.attempts + 1, updated_at = $1 "
    "FROM picked WHERE deliveries.id = picked.id RETURNING " + ", ".join(f"deliveries.{c}" for c in DELIVERY_FIELDS)
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

# finish_values' keys bound as the arrays $2 … $8 of _FINISH
_FINISH_ARRAYS = ("id", "status", "next", "attempted", "message_id", "message_revision", "error")

# One statement for a whole batch of results (one plan, one pass, and atomic without a transaction around
# it). A batch holds each row once (a dispatcher works a row in one place at a time); were a row twice in
# it, one result would win. The rows that become sent are counted before the update (a CTE sees the table
# as the statement found it) and tallied by it: a row already sent (a second report of the same send) is
# no new send. Two holders reporting the same row sent at the same moment may both count it: it did go
# out twice.
_FINISH = (
    "WITH r AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::boolean[], $6::text[], "
    "$7::integer[], $8::text[]) AS r (id, status, next, attempted, message_id, revision, error)), "
    "tallied AS (INSERT INTO delivery_tallies (sent_at, sent) SELECT $1, n FROM (SELECT count(*) AS n "
    "FROM deliveries s JOIN r ON s.id = r.id WHERE r.status = 'sent' AND s.status <> 'sent') c WHERE n > 0) "
    "UPDATE deliveries d SET status = r.status, lease_until = NULL, lease_holder = NULL, "
    "next_attempt_at = coalesce(r.next, d.next_attempt_at), "
    "attempts = CASE WHEN r.attempted THEN d.attempts ELSE greatest(d.attempts - 1, 0) END, "
    "platform_message_id = coalesce(r.message_id, d.platform_message_id), "
    "message_revision = coalesce(r.revision, d.message_revision), "
    "last_error = CASE WHEN r.status = 'pending' AND r.error IS NULL THEN d.last_error ELSE r.error END, "
    "updated_at = $1 FROM r "
    # a row skipped meanwhile (unsubscribed, retracted) stays skipped unless it did go out
    "WHERE d.id = r.id AND (d.status = 'pending' OR r.status = 'sent') "
    # a lease taken over by another holder is theirs to finish (see finish_values)
    "AND (r.status = 'sent' OR $9::text IS NULL OR d.lease_holder = $9)"
)

_INDEX_ORDER_ONLY = "SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off"
_PLANNER_DEFAULTS = "SET LOCAL enable_sort = on; SET LOCAL enable_bitmapscan = on"

_RENEW = (
    "UPDATE deliveries SET lease_until = $1 WHERE id = ANY($2::bigint[]) "
    "AND status = 'pending' AND lease_holder = $3 RETURNING id"
)


class PostgresOutbox:
    """The outbox statements of the PostgreSQL backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def enqueue_broadcast(self, con: asyncpg.Connection, text: str, created_by: str | None, now: datetime) -> int:
        """Store a broadcast and queue it to every active subscription."""
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
            timeout=LONG_TIMEOUT,
        )
        return command_count(status)

    async def claim(self, con: asyncpg.Connection, claim: Claim) -> list[Delivery]:
        """Lease up to `claim.limit` due rows, longest due first, skipping rows another dispatcher is leasing."""
        # Right after a big fan-out the statistics still say "a few pending rows" (ANALYZE
        # comes a minute later), and the planner would sort every due row to take the first
        # 500: 460 ms a claim at 100,000 pending, against 3 ms walking the due index.
        await con.execute(_INDEX_ORDER_ONLY)
        rows = await con.fetch(
            _CLAIM, utc(claim.now), utc(claim.lease_until), claim.limit, claim.platforms, claim.holder
        )
        await con.execute(_PLANNER_DEFAULTS)
        return sorted((self._rows.delivery(r) for r in rows), key=lambda d: d.id)

    async def renew(self, con: asyncpg.Connection, ids: list[int], holder: str, lease_until: datetime) -> list[int]:
        """Extend the leases `holder` still holds among `ids`."""
        rows = await con.fetch(_RENEW, utc(lease_until), ids, holder)
        return [int(r["id"]) for r in rows]

    async def subscriptions(self, con: asyncpg.Connection, ids: list[int]) -> dict[int, Subscription]:
        """Subscriptions by id."""
        rows = await con.fetch(f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ANY($1::bigint[])", ids)
        return {s.id: s for s in map(self._rows.subscription, rows)}

    async def summaries(self, con: asyncpg.Connection, ids: list[int]) -> dict[int, StrikeSummary]:
        """Summaries by id."""
        rows = await con.fetch(f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ANY($1::bigint[])", ids)
        return {r["id"]: self._rows.summary(r) for r in rows}

    async def sent_messages(self, con: asyncpg.Connection, keys: list[tuple[int, int]]) -> SentMessages:
        """For (summary_id, subscription_id) pairs: the message sent there and the newest revision it shows."""
        found = await con.fetch(_SENT_MESSAGES, [k[0] for k in keys], [k[1] for k in keys])
        return {(f["summary_id"], f["subscription_id"]): (f["message_id"], f["message_revision"]) for f in found}

    async def broadcast_texts(self, con: asyncpg.Connection, ids: list[int]) -> dict[int, str]:
        """Broadcast texts by id."""
        rows = await con.fetch("SELECT id, text FROM broadcasts WHERE id = ANY($1::bigint[])", ids)
        return {b["id"]: b["text"] for b in rows}

    async def finish(
        self, con: asyncpg.Connection, results: Sequence[DeliveryResult], now: datetime, holder: str | None
    ) -> None:
        """Write each result into its row and tally the rows that became sent: one statement."""
        # finish_values' columns as the arrays of _FINISH
        rows = [finish_values(r, now, holder) for r in results]
        arrays = [[row[name] for row in rows] for name in _FINISH_ARRAYS]
        await con.execute(_FINISH, utc(now), *arrays, holder)

    async def adopt(self, con: asyncpg.Connection, results: Sequence[DeliveryResult], now: datetime) -> None:
        """The alert's own send row takes the message and revision its follow-ups went out with."""
        # a dead send row whose edit went out as a new message becomes sent here, and is tallied
        revived = await con.fetchval(
            "SELECT count(*) FROM deliveries s JOIN deliveries e ON s.summary_id = e.summary_id "
            "AND s.subscription_id = e.subscription_id WHERE e.id = ANY($1::bigint[]) AND e.action <> 'send' "
            "AND s.action = 'send' AND s.status = 'dead'",
            [r.delivery_id for r in results],
        )
        await con.executemany(
            "UPDATE deliveries s SET message_revision = greatest(coalesce(s.message_revision, 0), "
            "coalesce($1::integer, 0)), platform_message_id = coalesce($3::text, s.platform_message_id), "
            "updated_at = CASE WHEN s.status = 'dead' THEN $4 ELSE s.updated_at END, "
            "status = 'sent' FROM deliveries e WHERE e.id = $2 AND e.action <> 'send' "
            "AND s.action = 'send' AND s.status IN ('sent', 'dead') AND s.summary_id = e.summary_id "
            "AND s.subscription_id = e.subscription_id",
            [(r.message_revision, r.delivery_id, r.platform_message_id, utc(now)) for r in results],
        )
        if revived:
            await con.execute("INSERT INTO delivery_tallies (sent_at, sent) VALUES ($1, $2)", utc(now), revived)

    async def subscription_of(self, con: asyncpg.Connection, delivery_id: int) -> int | None:
        """The subscription a delivery row belongs to."""
        found = await con.fetchval("SELECT subscription_id FROM deliveries WHERE id = $1", delivery_id)
        return int(found) if found is not None else None

    async def prune(self, con: asyncpg.Connection, before: datetime) -> int:
        """Delete finished rows no later action needs (sent alert rows stay for corrections)."""
        status = await con.execute(
            "DELETE FROM deliveries WHERE status IN ('sent', 'skipped', 'dead') AND updated_at < $1 "
            "AND NOT (action = 'send' AND status = 'sent' AND summary_id IS NOT NULL)",
            utc(before),
            timeout=LONG_TIMEOUT,
        )
        await con.execute(
            "DELETE FROM broadcasts b WHERE b.created_at < $1 AND NOT EXISTS "
            "(SELECT 1 FROM deliveries d WHERE d.broadcast_id = b.id)",
            utc(before),
            timeout=LONG_TIMEOUT,
        )
        # one row per minute instead of one per batch keeps the 24 h sum small; the merged rows
        # are exactly the ones this DELETE took, so a batch committing meanwhile (or a second
        # prune) is neither lost nor merged twice
        await con.execute(
            "WITH raw AS (DELETE FROM delivery_tallies WHERE NOT merged RETURNING sent_at, sent) "
            "INSERT INTO delivery_tallies (sent_at, sent, merged) "
            "SELECT date_trunc('minute', sent_at), sum(sent), true FROM raw GROUP BY 1",
            timeout=LONG_TIMEOUT,
        )
        # a day past `before`: sent_24h stays right whatever `before` a caller prunes with
        await con.execute(
            "DELETE FROM delivery_tallies WHERE sent_at < $1", utc(before) - timedelta(days=1), timeout=LONG_TIMEOUT
        )
        return command_count(status)

    async def queue_stats(self, con: asyncpg.Connection, now: datetime) -> QueueStats:
        """Outbox health, each figure from an index range or the send tallies, never the sent rows."""
        now = utc(now)
        # due = pending - not yet due - leased: the only long range read is the pending count
        row = await con.fetchrow(
            "SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending, "
            "(SELECT count(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at > $1) AS later, "
            "(SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_until IS NOT NULL "
            "AND lease_until > $1) AS in_flight, "
            "(SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_until IS NOT NULL "
            "AND lease_until > $1 AND next_attempt_at <= $1) AS leased_due, "
            "(SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending') AS oldest, "
            "(SELECT count(*) FROM deliveries WHERE status = 'dead') AS dead, "
            "(SELECT coalesce(sum(sent), 0) FROM delivery_tallies WHERE sent_at >= $2) AS sent_24h, "
            "(SELECT last_error FROM deliveries WHERE last_error IS NOT NULL "
            "AND status IN ('pending', 'dead', 'skipped') ORDER BY updated_at DESC, id DESC LIMIT 1) AS last_error",
            now,
            now - timedelta(days=1),
        )
        assert row is not None
        oldest = row["oldest"]
        return QueueStats(
            pending=row["pending"],
            due=row["pending"] - row["later"] - row["leased_due"],
            in_flight=row["in_flight"],
            dead=row["dead"],
            sent_24h=row["sent_24h"],
            oldest_due_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0,
            last_error=row["last_error"],
        )
