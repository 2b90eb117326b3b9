"""Summary statements in SQLite: insert or revise, regions index, fan-out rows, reads, retraction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.catalog import gazetteer
from storage.ingest import Revision
from storage.models import StrikeSummary, SummaryDraft
from storage.rows import CONTENT_COLUMNS, SUMMARY_COLUMNS
from storage.sqlite.fetch import first_row
from storage.sqlite.rows import CONTENT_PARAMS, row_reader, summary_values
from storage.timeutil import to_text

_INSERT = (
    f"INSERT INTO summaries ({', '.join(CONTENT_COLUMNS)}, revision, status, created_at, updated_at) "
    f"VALUES ({CONTENT_PARAMS}, 1, 'active', :now, :now) RETURNING id"
)
# external_id never changes on a revision
_UPDATE = (
    "UPDATE summaries SET "
    + ", ".join(f"{name} = :{name}" for name in CONTENT_COLUMNS[1:])
    + ", revision = revision + 1, updated_at = :now WHERE id = :id RETURNING revision"
)

# Matching subscriptions (docs/design.md "Region matching"): active, not muted, over the
# threshold, and either no region filter, or a nationwide summary, or overlap with
# the summary's matching set (its regions plus their macro-regions or members).
MATCHES = (
    "s.active = 1 AND s.min_launched <= :launched "
    "AND (s.muted_until IS NULL OR s.muted_until <= :now) "
    "AND (s.regions = '[]' OR :regions = '[]' OR EXISTS (SELECT 1 FROM json_each(s.regions) r "
    "WHERE r.value IN (SELECT value FROM json_each(:regions))))"
)
MATCHING = f"SELECT s.id FROM subscriptions s WHERE {MATCHES}"

# only subscriptions without a (not skipped) send of the summary yet: appended to MATCHING
NEW_ONLY = (
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.summary_id = :summary_id "
    "AND d.subscription_id = s.id AND d.action = 'send' AND d.status <> 'skipped')"
)

# the chats a summary's alert went out to (or is going out to right now)
_OUT_TO = (
    "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.active = 1 "
    "WHERE d.summary_id = :summary_id AND d.action = 'send' "
    "AND (d.status = 'sent' OR (d.status = 'pending' AND d.lease_until > :due))"
)


def fanout_params(out: Revision, now: datetime) -> dict[str, Any]:
    """The named parameters of the fan-out statements (outbox times are epoch seconds)."""
    return {
        "summary_id": out.summary_id,
        "revision": out.number,
        "launched": out.draft.launched,
        "regions": json.dumps(list(gazetteer().matching_set(out.draft.regions))),
        "now": to_text(now),
        "due": now.timestamp(),
    }


class SqliteSummaries:
    """The summary statements of the SQLite backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def find(self, con: aiosqlite.Connection, external_id: str) -> StrikeSummary | None:
        """The summary with this external id (the write transaction holds the whole database)."""
        row = await first_row(con, f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE external_id = ?", (external_id,))
        return self._rows.summary(row) if row else None

    async def insert(self, con: aiosqlite.Connection, draft: SummaryDraft, now: datetime) -> int | None:
        """Store a new active summary at revision 1: its id."""
        row = await first_row(con, _INSERT, summary_values(draft) | {"now": to_text(now)})
        assert row is not None
        return int(row[0])

    async def update(self, con: aiosqlite.Connection, summary_id: int, draft: SummaryDraft, now: datetime) -> int:
        """Overwrite a summary's content and bump its revision: the new revision."""
        row = await first_row(con, _UPDATE, summary_values(draft) | {"now": to_text(now), "id": summary_id})
        assert row is not None
        return int(row[0])

    async def write_regions(
        self, con: aiosqlite.Connection, summary_id: int, draft: SummaryDraft, *, replace: bool
    ) -> None:
        """Index the summary under each of its regions."""
        if replace:
            await con.execute("DELETE FROM summary_regions WHERE summary_id = ?", (summary_id,))
        end = to_text(draft.period_end)
        await con.executemany(
            "INSERT OR IGNORE INTO summary_regions (region_id, period_end, summary_id) VALUES (?, ?, ?)",
            [(region, end, summary_id) for region in draft.regions],
        )

    async def enqueue_sends(self, con: aiosqlite.Connection, out: Revision, now: datetime, *, only_new: bool) -> int:
        """Queue the alert to every matching subscription (only_new: those without a send of it yet)."""
        new_only = NEW_ONLY if only_new else ""
        cur = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT :summary_id, :revision, id, 'send', 'pending', :due, :now, :now FROM ({MATCHING}{new_only}) s",
            fanout_params(out, now),
        )
        return cur.rowcount

    async def drop_unmatched(self, con: aiosqlite.Connection, out: Revision, now: datetime) -> None:
        """Skip queued, unleased sends to chats this revision no longer matches."""
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = 'correction no longer matches', "
            "updated_at = :now WHERE summary_id = :summary_id AND action = 'send' AND status = 'pending' "
            f"AND (lease_until IS NULL OR lease_until <= :due) AND subscription_id NOT IN ({MATCHING})",
            fanout_params(out, now),
        )

    async def enqueue_edits(self, con: aiosqlite.Connection, out: Revision, now: datetime) -> int:
        """Queue an edit to every active chat the alert went out (or is going out) to."""
        cur = await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT DISTINCT :summary_id, :revision, d.subscription_id, 'edit', 'pending', :due, :now, :now {_OUT_TO}",
            {"summary_id": out.summary_id, "revision": out.number, "due": now.timestamp(), "now": to_text(now)},
        )
        return cur.rowcount

    async def by_id(
        self, con: aiosqlite.Connection, summary_id: int, *, for_update: bool = False
    ) -> StrikeSummary | None:
        """One summary by id (a write transaction already holds the whole database)."""
        row = await first_row(con, f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ?", (summary_id,))
        return self._rows.summary(row) if row else None

    async def latest(self, con: aiosqlite.Connection, n: int, region: str | None) -> list[StrikeSummary]:
        """Active summaries (of the region), newest period_end first."""
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
        rows = await con.execute_fetchall(sql, args)
        return [self._rows.summary(r) for r in rows]

    async def count(self, con: aiosqlite.Connection) -> int:
        """Every stored summary."""
        row = await first_row(con, "SELECT count(*) FROM summaries")
        return int(row[0]) if row else 0

    async def assign_external_id(self, con: aiosqlite.Connection, summary_id: int, external_id: str) -> bool:
        """Give a summary that has none an external_id."""
        cur = await con.execute(
            "UPDATE summaries SET external_id = ? WHERE id = ? AND external_id IS NULL", (external_id, summary_id)
        )
        return cur.rowcount == 1

    async def withdraw(self, con: aiosqlite.Connection, summary: StrikeSummary, now: datetime) -> None:
        """Mark retracted, drop unstarted deliveries, queue retractions where the alert went out."""
        params = {"summary_id": summary.id, "revision": summary.revision, "now": to_text(now), "due": now.timestamp()}
        await con.execute(
            "UPDATE summaries SET status = 'retracted', updated_at = :now WHERE id = :summary_id", params
        )
        # rows nobody has started on are simply dropped: a withdrawn report is not sent
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', updated_at = :now WHERE summary_id = :summary_id "
            "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= :due)",
            params,
        )
        await con.execute(
            "INSERT INTO deliveries (summary_id, revision, subscription_id, action, status, "
            "next_attempt_at, created_at, updated_at) "
            f"SELECT DISTINCT :summary_id, :revision, d.subscription_id, 'retract', 'pending', :due, :now, :now {_OUT_TO}",
            params,
        )
