"""Summary statements in PostgreSQL: insert or revise, regions index, fan-out rows, reads, retraction."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from storage.catalog import gazetteer
from storage.ingest import Revision
from storage.models import StrikeSummary, SummaryDraft
from storage.postgres.database import LONG_TIMEOUT, command_count
from storage.postgres.rows import CONTENT_PARAMS, row_reader, summary_values
from storage.rows import CONTENT_COLUMNS, SUMMARY_COLUMNS
from storage.timeutil import utc

_N = len(CONTENT_COLUMNS)
_INSERT = (
    f"INSERT INTO summaries ({', '.join(CONTENT_COLUMNS)}, revision, status, created_at, updated_at) "
    f"VALUES ({CONTENT_PARAMS}, 1, 'active', ${_N + 1}, ${_N + 1}) "
    "ON CONFLICT (external_id) DO NOTHING RETURNING id"
)
# external_id never changes on a revision: it is left out, so the numbering starts at source
_UPDATE = (
    "UPDATE summaries SET "
    + ", ".join(f"{c} = ${i + 1}" for i, c in enumerate(CONTENT_COLUMNS[1:]))
    + f", revision = revision + 1, updated_at = ${_N} WHERE id = ${_N + 1} RETURNING revision"
)
# FOR UPDATE: a concurrent revision of the same report waits for ours
_BY_EXTERNAL = f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE external_id = $1 FOR UPDATE"

# Matching subscriptions (docs/design.md "Region matching"): active, not muted, over the
# threshold, and either no region filter, or a nationwide summary, or overlap.
# $1 launched, $2 now, $3 regions
MATCHING = (
    "SELECT s.id FROM subscriptions s WHERE s.active AND s.min_launched <= $1 "
    "AND (s.muted_until IS NULL OR s.muted_until <= $2) "
    "AND (s.regions = '{}' OR cardinality($3::text[]) = 0 OR s.regions && $3::text[])"
)

# only subscriptions without a (not skipped) send of summary $4 yet: appended to MATCHING
NEW_ONLY = (
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.summary_id = $4 "
    "AND d.subscription_id = s.id AND d.action = 'send' AND d.status <> 'skipped')"
)

# the chats a summary's alert went out to (or is going out to right now); $1 summary, $3 now
_OUT_TO = (
    "SELECT DISTINCT d.subscription_id FROM deliveries d JOIN subscriptions s "
    "ON s.id = d.subscription_id AND s.active WHERE d.summary_id = $1 AND d.action = 'send' "
    "AND (d.status = 'sent' OR (d.status = 'pending' AND d.lease_until > $3))"
)


def matching_args(out: Revision, now: datetime) -> tuple[int, datetime, list[str]]:
    """$1 launched, $2 now, $3 regions of MATCHING."""
    return out.draft.launched, now, list(gazetteer().matching_set(out.draft.regions))


class PostgresSummaries:
    """The summary statements of the PostgreSQL backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def find(self, con: asyncpg.Connection, external_id: str) -> StrikeSummary | None:
        """The summary with this external id, locked until the transaction ends."""
        row = await con.fetchrow(_BY_EXTERNAL, external_id)
        return self._rows.summary(row) if row else None

    async def insert(self, con: asyncpg.Connection, draft: SummaryDraft, now: datetime) -> int | None:
        """Store a new active summary: its id, or None when another transaction took the external id."""
        summary_id = await con.fetchval(_INSERT, *summary_values(draft), now)
        return int(summary_id) if summary_id is not None else None

    async def update(self, con: asyncpg.Connection, summary_id: int, draft: SummaryDraft, now: datetime) -> int:
        """Overwrite a summary's content and bump its revision: the new revision."""
        return int(await con.fetchval(_UPDATE, *summary_values(draft)[1:], now, summary_id))

    async def write_regions(
        self, con: asyncpg.Connection, summary_id: int, draft: SummaryDraft, *, replace: bool
    ) -> None:
        """Index the summary under each of its regions."""
        if replace:
            await con.execute("DELETE FROM summary_regions WHERE summary_id = $1", summary_id)
        if not draft.regions:
            return
        await con.execute(
            "INSERT INTO summary_regions (region_id, period_end, summary_id) "
            "SELECT DISTINCT unnest($1::text[]), $2::timestamptz, $3::bigint ON CONFLICT DO NOTHING",
            list(draft.regions),
            utc(draft.period_end),
            summary_id,
        )

    async def enqueue_sends(self, con: asyncpg.Connection, out: Revision, now: datetime, *, only_new: bool) -> int:
        """Queue the alert to every matching subscription (only_new: those without a send of it yet)."""
        new_only = NEW_ONLY if only_new else ""
        status = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT $4, $5, m.id, 'send', 'pending', $2, $2, $2 FROM ({MATCHING}{new_only}) m "
            "ORDER BY m.id",
            *matching_args(out, now),
            out.summary_id,
            out.number,
            timeout=LONG_TIMEOUT,
        )
        return command_count(status)

    async def drop_unmatched(self, con: asyncpg.Connection, out: Revision, now: datetime) -> None:
        """Skip queued, unleased sends to chats this revision no longer matches."""
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = 'correction no longer matches', "
            "updated_at = $2 WHERE summary_id = $4 AND action = 'send' AND status = 'pending' "
            f"AND (lease_until IS NULL OR lease_until <= $2) AND subscription_id NOT IN ({MATCHING})",
            *matching_args(out, now),
            out.summary_id,
            timeout=LONG_TIMEOUT,
        )

    async def enqueue_edits(self, con: asyncpg.Connection, out: Revision, now: datetime) -> int:
        """Queue an edit to every active chat the alert went out (or is going out) to."""
        status = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT $1, $2, x.subscription_id, 'edit', 'pending', $3, $3, $3 FROM ({_OUT_TO}) x "
            "ORDER BY x.subscription_id",
            out.summary_id,
            out.number,
            now,
            timeout=LONG_TIMEOUT,
        )
        return command_count(status)

    async def by_id(
        self, con: asyncpg.Connection, summary_id: int, *, for_update: bool = False
    ) -> StrikeSummary | None:
        """One summary by id, whatever its status."""
        lock = " FOR UPDATE" if for_update else ""
        # the lock may wait for a correction's transaction, which queues an edit to every chat
        row = await con.fetchrow(
            f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = $1{lock}",
            summary_id,
            timeout=LONG_TIMEOUT if for_update else None,
        )
        return self._rows.summary(row) if row else None

    async def latest(self, con: asyncpg.Connection, n: int, region: str | None) -> list[StrikeSummary]:
        """Active summaries (of the region), newest period_end first."""
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
        return [self._rows.summary(r) for r in rows]

    async def count(self, con: asyncpg.Connection) -> int:
        """Every stored summary."""
        return int(await con.fetchval("SELECT count(*) FROM summaries"))

    async def assign_external_id(self, con: asyncpg.Connection, summary_id: int, external_id: str) -> bool:
        """Give a summary that has none an external_id."""
        status = await con.execute(
            "UPDATE summaries SET external_id = $1 WHERE id = $2 AND external_id IS NULL",
            external_id,
            summary_id,
        )
        return bool(status == "UPDATE 1")

    async def withdraw(self, con: asyncpg.Connection, summary: StrikeSummary, now: datetime) -> None:
        """Mark retracted, drop unstarted deliveries, queue retractions where the alert went out."""
        await con.execute("UPDATE summaries SET status = 'retracted', updated_at = $1 WHERE id = $2", now, summary.id)
        # rows nobody has started on are simply dropped: a withdrawn report is not sent
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', updated_at = $1 WHERE summary_id = $2 "
            "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)",
            now,
            summary.id,
        )
        await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT $1, $2, x.subscription_id, 'retract', 'pending', $3, $3, $3 FROM ({_OUT_TO}) x "
            "ORDER BY x.subscription_id",
            summary.id,
            summary.revision,
            now,
        )
