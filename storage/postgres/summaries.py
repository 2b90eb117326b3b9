"""Summaries: insert or revise by external_id, with the outbox rows, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import asyncpg

from storage.catalog import gazetteer
from storage.merge import merge_history
from storage.models import IngestOutcome, StrikeSummary, SummaryDraft, SummaryStatus
from storage.postgres.base import PostgresBase, command_count
from storage.postgres.rows import (
    CONTENT_COLUMNS,
    SUMMARY_COLUMNS,
    summary_from_row,
    summary_values,
)
from storage.timeutil import utc, utcnow

_N = len(CONTENT_COLUMNS)
_INSERT = (
    f"INSERT INTO summaries ({', '.join(CONTENT_COLUMNS)}, revision, status, created_at, updated_at) "
    f"VALUES ({', '.join(f'${i + 1}' for i in range(_N))}, 1, 'active', ${_N + 1}, ${_N + 1}) "
    "ON CONFLICT (external_id) DO NOTHING RETURNING id"
)
# external_id never changes on a revision: it is left out, so the numbering starts at source
_UPDATE = (
    "UPDATE summaries SET "
    + ", ".join(f"{c} = ${i + 1}" for i, c in enumerate(CONTENT_COLUMNS[1:]))
    + f", revision = revision + 1, updated_at = ${_N} WHERE id = ${_N + 1} RETURNING revision"
)
_BY_EXTERNAL = f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE external_id = $1 FOR UPDATE"

# Matching subscriptions (DESIGN "Region matching"): active, not muted, over the
# threshold, and either no region filter, or a nationwide summary, or overlap.
# $1 launched, $2 now, $3 regions
_MATCHING = (
    "SELECT s.id FROM subscriptions s WHERE s.active AND s.min_launched <= $1 "
    "AND (s.muted_until IS NULL OR s.muted_until <= $2) "
    "AND (s.regions = '{}' OR cardinality($3::text[]) = 0 OR s.regions && $3::text[])"
)


def utc_day(dt: datetime) -> date:
    """The UTC calendar day of dt (the rollup's day key)."""
    return utc(dt).date()


class SummariesMixin(PostgresBase):
    """Summary writes and reads for PostgresStore; the rollup hooks come from StatsMixin."""

    async def _refresh_days(self, con: asyncpg.Connection, days: Iterable[date]) -> None:
        raise NotImplementedError

    async def _add_to_rollup(self, con: asyncpg.Connection, summary_id: int, draft: SummaryDraft) -> None:
        raise NotImplementedError

    async def ingest(self, draft: SummaryDraft, *, notify: bool) -> IngestOutcome:
        """Insert or revise by external_id and, when notify, enqueue deliveries; one transaction."""
        async with self._tx() as con:
            outcome, days = await self._ingest_one(con, draft, notify=notify, merge=False)
            await self._refresh_days(con, days)
        return outcome

    async def ingest_many(
        self, drafts: Sequence[SummaryDraft], *, notify: bool, merge_history: bool = False
    ) -> list[IngestOutcome]:
        """Ingest many summaries in one transaction (all or nothing)."""
        outcomes = []
        days: set[date] = set()
        async with self._tx() as con:
            for draft in drafts:
                outcome, touched = await self._ingest_one(
                    con, draft, notify=notify, merge=merge_history
                )
                outcomes.append(outcome)
                days |= touched
            await self._refresh_days(con, days)
        return outcomes

    async def _ingest_one(
        self, con: asyncpg.Connection, draft: SummaryDraft, *, notify: bool, merge: bool
    ) -> tuple[IngestOutcome, set[date]]:
        now = utcnow()
        row = None
        if draft.external_id is not None:
            # FOR UPDATE: a concurrent revision of the same report waits for ours
            row = await con.fetchrow(_BY_EXTERNAL, draft.external_id)
        if row is None:
            summary_id = await con.fetchval(_INSERT, *summary_values(draft), now)
            if summary_id is not None:
                await self._write_regions(con, summary_id, draft)
                await self._add_to_rollup(con, summary_id, draft)
                queued = await self._enqueue_sends(con, summary_id, 1, draft, now) if notify else 0
                outcome = IngestOutcome(id=summary_id, revision=1, status="created", deliveries=queued)
                return outcome, set()
            # another process inserted the same external_id meanwhile: revise that row
            row = await con.fetchrow(_BY_EXTERNAL, draft.external_id)
            assert row is not None
        existing = summary_from_row(row)
        if merge:
            draft = merge_history(existing.draft(), draft)
        if draft.content_hash() == existing.draft().content_hash():
            return IngestOutcome(id=existing.id, revision=existing.revision, status="unchanged"), set()
        revision = await con.fetchval(_UPDATE, *summary_values(draft)[1:], now, existing.id)
        await con.execute("DELETE FROM summary_regions WHERE summary_id = $1", existing.id)
        await self._write_regions(con, existing.id, draft)
        queued = 0
        if notify and existing.status == "active":
            queued = await self._enqueue_revision(con, existing.id, revision, draft, now)
        days = {utc_day(existing.period_end), utc_day(draft.period_end)}
        return IngestOutcome(id=existing.id, revision=revision, status="revised", deliveries=queued), days

    async def _write_regions(
        self, con: asyncpg.Connection, summary_id: int, draft: SummaryDraft
    ) -> None:
        if not draft.regions:
            return
        await con.execute(
            "INSERT INTO summary_regions (region_id, period_end, summary_id) "
            "SELECT DISTINCT unnest($1::text[]), $2::timestamptz, $3::bigint ON CONFLICT DO NOTHING",
            list(draft.regions),
            utc(draft.period_end),
            summary_id,
        )

    async def _enqueue_sends(
        self,
        con: asyncpg.Connection,
        summary_id: int,
        revision: int,
        draft: SummaryDraft,
        now: datetime,
        *,
        only_new: bool = False,
    ) -> int:
        new_only = (
            " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.summary_id = $4 "
            "AND d.subscription_id = s.id AND d.action = 'send' AND d.status <> 'skipped')"
            if only_new
            else ""
        )
        status = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT $4, $5, m.id, 'send', 'pending', $2, $2, $2 FROM ({_MATCHING}{new_only}) m "
            "ORDER BY m.id",
            draft.launched,
            now,
            list(gazetteer().matching_set(draft.regions)),
            summary_id,
            revision,
        )
        return command_count(status)

    async def _enqueue_revision(
        self,
        con: asyncpg.Connection,
        summary_id: int,
        revision: int,
        draft: SummaryDraft,
        now: datetime,
    ) -> int:
        """Edits where the alert is out (or going out); sends to newly matched chats.

        An alert still waiting in the queue is sent with the newest content anyway,
        so it needs no edit; if the correction no longer reaches that chat, it is dropped.
        """
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = 'correction no longer matches', "
            "updated_at = $2 WHERE summary_id = $4 AND action = 'send' AND status = 'pending' "
            f"AND (lease_until IS NULL OR lease_until <= $2) AND subscription_id NOT IN ({_MATCHING})",
            draft.launched,
            now,
            list(gazetteer().matching_set(draft.regions)),
            summary_id,
        )
        status = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            "SELECT $1, $2, x.subscription_id, 'edit', 'pending', $3, $3, $3 FROM ("
            "SELECT DISTINCT d.subscription_id FROM deliveries d JOIN subscriptions s "
            "ON s.id = d.subscription_id AND s.active WHERE d.summary_id = $1 "
            "AND d.action = 'send' AND (d.status = 'sent' OR (d.status = 'pending' AND d.lease_until > $3))) x "
            "ORDER BY x.subscription_id",
            summary_id,
            revision,
            now,
        )
        sends = await self._enqueue_sends(con, summary_id, revision, draft, now, only_new=True)
        return command_count(status) + sends

    async def get_summary(self, summary_id: int) -> StrikeSummary | None:
        """One summary by id, whatever its status."""
        async with self._read() as con:
            row = await con.fetchrow(f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = $1", summary_id)
        return summary_from_row(row) if row else None

    async def latest(self, n: int = 5, *, region: str | None = None) -> list[StrikeSummary]:
        """Active summaries, newest period_end first."""
        async with self._read() as con:
            if region is None:
                rows = await con.fetch(
                    f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE status = 'active' "
                    "ORDER BY period_end DESC, id DESC LIMIT $1",
                    n,
                )
            else:
                rows = await con.fetch(
                    f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ("
                    "SELECT sr.summary_id FROM summary_regions sr JOIN summaries s2 "
                    "ON s2.id = sr.summary_id AND s2.status = 'active' WHERE sr.region_id = $1 "
                    "ORDER BY sr.period_end DESC, sr.summary_id DESC LIMIT $2) "
                    "ORDER BY period_end DESC, id DESC",
                    region,
                    n,
                )
        return [summary_from_row(r) for r in rows]

    async def count_summaries(self) -> int:
        """Every stored summary, retracted ones included."""
        async with self._read() as con:
            return int(await con.fetchval("SELECT count(*) FROM summaries"))

    async def assign_external_id(self, summary_id: int, external_id: str) -> bool:
        """Give a summary that has none an external_id; False if it had one (or does not exist)."""
        async with self._tx() as con:
            status = await con.execute(
                "UPDATE summaries SET external_id = $1 WHERE id = $2 AND external_id IS NULL",
                external_id,
                summary_id,
            )
        return bool(status == "UPDATE 1")

    async def retract(self, summary_id: int) -> StrikeSummary | None:
        """Mark retracted and enqueue retract edits for sent messages; None when unknown."""
        now = utcnow()
        async with self._tx() as con:
            row = await con.fetchrow(
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = $1 FOR UPDATE", summary_id
            )
            if row is None:
                return None
            summary = summary_from_row(row)
            if summary.status == "retracted":
                return summary
            await con.execute(
                "UPDATE summaries SET status = 'retracted', updated_at = $1 WHERE id = $2", now, summary_id
            )
            # rows nobody has started on are simply dropped: a withdrawn report is not sent
            await con.execute(
                "UPDATE deliveries SET status = 'skipped', updated_at = $1 WHERE summary_id = $2 "
                "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)",
                now,
                summary_id,
            )
            await con.execute(
                "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
                "next_attempt_at, created_at, updated_at) "
                "SELECT $1, $2, x.subscription_id, 'retract', 'pending', $3, $3, $3 FROM ("
                "SELECT DISTINCT d.subscription_id FROM deliveries d JOIN subscriptions s "
                "ON s.id = d.subscription_id AND s.active WHERE d.summary_id = $1 AND d.action = 'send' "
                "AND (d.status = 'sent' OR (d.status = 'pending' AND d.lease_until > $3))"
                ") x ORDER BY x.subscription_id",
                summary_id,
                summary.revision,
                now,
            )
            await self._refresh_days(con, {utc_day(summary.period_end)})
        return summary.model_copy(update={"status": SummaryStatus.RETRACTED, "updated_at": now})
