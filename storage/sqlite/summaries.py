"""Summaries: insert or revise by external_id, with the outbox rows, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.catalog import gazetteer
from storage.merge import merge_history
from storage.models import IngestOutcome, StrikeSummary, SummaryDraft, SummaryStatus
from storage.sqlite.base import SqliteBase
from storage.sqlite.rows import SUMMARY_COLUMNS, summary_from_row, summary_values
from storage.timeutil import to_text, utcnow

_INSERT = (
    "INSERT INTO summaries (external_id, source, source_url, period_start, period_end, regions, "
    "weapons, hit_locations, debris_locations, killed, injured, damage, notes, launched, "
    "drones_launched, missiles_launched, destroyed, suppressed, content_hash, revision, status, "
    "created_at, updated_at) VALUES (:external_id, :source, :source_url, :period_start, "
    ":period_end, :regions, :weapons, :hit_locations, :debris_locations, :killed, :injured, "
    ":damage, :notes, :launched, :drones_launched, :missiles_launched, :destroyed, :suppressed, "
    ":content_hash, 1, 'active', :now, :now) RETURNING id"
)
_UPDATE = (
    "UPDATE summaries SET source = :source, source_url = :source_url, "
    "period_start = :period_start, period_end = :period_end, regions = :regions, "
    "weapons = :weapons, hit_locations = :hit_locations, debris_locations = :debris_locations, "
    "killed = :killed, injured = :injured, damage = :damage, notes = :notes, "
    "launched = :launched, drones_launched = :drones_launched, "
    "missiles_launched = :missiles_launched, destroyed = :destroyed, suppressed = :suppressed, "
    "content_hash = :content_hash, revision = revision + 1, updated_at = :now "
    "WHERE id = :id RETURNING revision"
)

# Matching subscriptions (DESIGN "Region matching"): active, not muted, over the
# threshold, and either no region filter, or a nationwide summary, or overlap with
# the summary's matching set (its regions plus their macro-regions or members).
_MATCHING = (
    "SELECT s.id FROM subscriptions s WHERE s.active = 1 AND s.min_launched <= :launched "
    "AND (s.muted_until IS NULL OR s.muted_until <= :now) "
    "AND (s.regions = '[]' OR :regions = '[]' OR EXISTS (SELECT 1 FROM json_each(s.regions) r "
    "WHERE r.value IN (SELECT value FROM json_each(:regions))))"
)


class SummariesMixin(SqliteBase):
    """Summary writes and reads for SqliteStore."""

    async def ingest(self, draft: SummaryDraft, *, notify: bool) -> IngestOutcome:
        async with self._tx() as db:
            outcome, days = await self._ingest_one(db, draft, notify=notify, merge=False)
            await self._refresh_days(db, days)
        return outcome

    async def ingest_many(
        self, drafts: Sequence[SummaryDraft], *, notify: bool, merge_history: bool = False
    ) -> list[IngestOutcome]:
        outcomes = []
        days: set[str] = set()
        async with self._tx() as db:
            for draft in drafts:
                outcome, touched = await self._ingest_one(
                    db, draft, notify=notify, merge=merge_history
                )
                outcomes.append(outcome)
                days |= touched
            await self._refresh_days(db, days)
        return outcomes

    async def _ingest_one(
        self, db: aiosqlite.Connection, draft: SummaryDraft, *, notify: bool, merge: bool
    ) -> tuple[IngestOutcome, set[str]]:
        now = utcnow()
        existing = None
        if draft.external_id is not None:
            async with db.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE external_id = ?",
                (draft.external_id,),
            ) as cur:
                row = await cur.fetchone()
            existing = summary_from_row(row) if row else None
        if existing is None:
            values = summary_values(draft) | {"now": to_text(now)}
            async with db.execute(_INSERT, values) as cur:
                row = await cur.fetchone()
            assert row is not None
            summary_id = int(row[0])
            await self._write_regions(db, summary_id, draft)
            await self._add_to_rollup(db, summary_id, values, draft.regions)
            queued = await self._enqueue_sends(db, summary_id, 1, draft, now) if notify else 0
            return (
                IngestOutcome(id=summary_id, revision=1, status="created", deliveries=queued),
                set(),
            )
        if merge:
            draft = merge_history(existing.draft(), draft)
        if draft.content_hash() == existing.draft().content_hash():
            return IngestOutcome(id=existing.id, revision=existing.revision, status="unchanged"), set()
        values = summary_values(draft) | {"now": to_text(now), "id": existing.id}
        async with db.execute(_UPDATE, values) as cur:
            row = await cur.fetchone()
        assert row is not None
        revision = int(row[0])
        await db.execute("DELETE FROM summary_regions WHERE summary_id = ?", (existing.id,))
        await self._write_regions(db, existing.id, draft)
        queued = 0
        if notify and existing.status == "active":
            queued = await self._enqueue_revision(db, existing.id, revision, draft, now)
        days = {to_text(existing.period_end)[:10], values["period_end"][:10]}
        return IngestOutcome(id=existing.id, revision=revision, status="revised", deliveries=queued), days

    async def _write_regions(
        self, db: aiosqlite.Connection, summary_id: int, draft: SummaryDraft
    ) -> None:
        end = to_text(draft.period_end)
        await db.executemany(
            "INSERT OR IGNORE INTO summary_regions (region_id, period_end, summary_id) VALUES (?, ?, ?)",
            [(region, end, summary_id) for region in draft.regions],
        )

    def _match_params(self, draft: SummaryDraft, now: datetime) -> dict[str, Any]:
        return {
            "launched": draft.launched,
            "now": to_text(now),
            "regions": json.dumps(list(gazetteer().matching_set(draft.regions))),
        }

    async def _enqueue_sends(
        self,
        db: aiosqlite.Connection,
        summary_id: int,
        revision: int,
        draft: SummaryDraft,
        now: datetime,
        *,
        only_new: bool = False,
    ) -> int:
        params = self._match_params(draft, now) | {
            "summary_id": summary_id,
            "revision": revision,
            "due": now.timestamp(),
        }
        new_only = (
            " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.summary_id = :summary_id "
            "AND d.subscription_id = s.id AND d.action = 'send' AND d.status <> 'skipped')"
            if only_new
            else ""
        )
        cur = await db.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT :summary_id, :revision, id, 'send', 'pending', :due, :now, :now FROM ({_MATCHING}{new_only}) s",
            params,
        )
        return cur.rowcount

    async def _enqueue_revision(
        self,
        db: aiosqlite.Connection,
        summary_id: int,
        revision: int,
        draft: SummaryDraft,
        now: datetime,
    ) -> int:
        """Edits where the alert is out (or going out); sends to newly matched chats.

        An alert still waiting in the queue is sent with the newest content anyway,
        so it needs no edit; if the correction no longer reaches that chat, it is dropped.
        """
        params = self._match_params(draft, now) | {
            "summary_id": summary_id,
            "revision": revision,
            "due": now.timestamp(),
            "ts": now.timestamp(),
        }
        await db.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = 'correction no longer matches', "
            "updated_at = :now WHERE summary_id = :summary_id AND action = 'send' AND status = 'pending' "
            f"AND (lease_until IS NULL OR lease_until <= :ts) AND subscription_id NOT IN ({_MATCHING})",
            params,
        )
        cur = await db.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            "SELECT DISTINCT :summary_id, :revision, d.subscription_id, 'edit', 'pending', :due, :now, :now "
            "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.active = 1 "
            "WHERE d.summary_id = :summary_id AND d.action = 'send' "
            "AND (d.status = 'sent' OR (d.status = 'pending' AND d.lease_until > :ts))",
            params,
        )
        edits = cur.rowcount
        sends = await self._enqueue_sends(db, summary_id, revision, draft, now, only_new=True)
        return edits + sends

    async def get_summary(self, summary_id: int) -> StrikeSummary | None:
        async with self._read() as db:
            async with db.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ?", (summary_id,)
            ) as cur:
                row = await cur.fetchone()
        return summary_from_row(row) if row else None

    async def latest(self, n: int = 5, *, region: str | None = None) -> list[StrikeSummary]:
        async with self._read() as db:
            if region is None:
                sql = (
                    f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE status = 'active' "
                    "ORDER BY period_end DESC, id DESC LIMIT ?"
                )
                args: tuple[Any, ...] = (n,)
            else:
                sql = (
                    f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ("
                    "SELECT sr.summary_id FROM summary_regions sr JOIN summaries s2 "
                    "ON s2.id = sr.summary_id AND s2.status = 'active' WHERE sr.region_id = ? "
                    "ORDER BY sr.period_end DESC, sr.summary_id DESC LIMIT ?) "
                    "ORDER BY period_end DESC, id DESC"
                )
                args = (region, n)
            async with db.execute(sql, args) as cur:
                rows = await cur.fetchall()
        return [summary_from_row(r) for r in rows]

    async def count_summaries(self) -> int:
        async with self._read() as db:
            async with db.execute("SELECT count(*) FROM summaries") as cur:
                row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def retract(self, summary_id: int) -> StrikeSummary | None:
        now = utcnow()
        async with self._tx() as db:
            async with db.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ?", (summary_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            summary = summary_from_row(row)
            if summary.status == "retracted":
                return summary
            await db.execute(
                "UPDATE summaries SET status = 'retracted', updated_at = ? WHERE id = ?",
                (to_text(now), summary_id),
            )
            ts = now.timestamp()
            # rows nobody has started on are simply dropped: a withdrawn report is not sent
            await db.execute(
                "UPDATE deliveries SET status = 'skipped', updated_at = ? WHERE summary_id = ? "
                "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)",
                (to_text(now), summary_id, ts),
            )
            await db.execute(
                "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
                "next_attempt_at, created_at, updated_at) "
                "SELECT DISTINCT ?, ?, d.subscription_id, 'retract', 'pending', ?, ?, ? FROM deliveries d "
                "JOIN subscriptions s ON s.id = d.subscription_id AND s.active = 1 "
                "WHERE d.summary_id = ? AND d.action = 'send' AND (d.status = 'sent' OR "
                "(d.status = 'pending' AND d.lease_until > ?))",
                (summary_id, summary.revision, ts, to_text(now), to_text(now), summary_id, ts),
            )
            await self._refresh_days(db, {to_text(summary.period_end)[:10]})
        return summary.model_copy(update={"status": SummaryStatus.RETRACTED, "updated_at": now})

    async def assign_external_id(self, summary_id: int, external_id: str) -> bool:
        async with self._tx() as db:
            cur = await db.execute(
                "UPDATE summaries SET external_id = ? WHERE id = ? AND external_id IS NULL",
                (external_id, summary_id),
            )
            return cur.rowcount == 1
