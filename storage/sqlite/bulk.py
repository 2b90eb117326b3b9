"""Bulk loading of history that bypasses per-row checks (benchmarks, large backfills)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.models import SummaryDraft
from storage.sqlite.base import SqliteBase
from storage.sqlite.rows import summary_values
from storage.timeutil import to_text, utcnow

_COLUMNS = (
    "external_id, source, source_url, period_start, period_end, regions, weapons, hit_locations, "
    "debris_locations, killed, injured, damage, notes, launched, drones_launched, missiles_launched, "
    "destroyed, suppressed, content_hash"
)


class BulkMixin(SqliteBase):
    """Append many new summaries at once; no fan-out, rollup rebuilt by the caller."""

    async def bulk_append(self, drafts: Sequence[SummaryDraft]) -> int:
        """Insert drafts whose external ids are new (or None), in one transaction."""
        now = to_text(utcnow())
        names = [c.strip() for c in _COLUMNS.split(",")]
        marks = ", ".join(f":{n}" for n in names)
        async with self._tx() as db:
            async with db.execute("SELECT coalesce(max(id), 0) FROM summaries") as cur:
                row = await cur.fetchone()
            first = int(row[0]) + 1 if row else 1
            rows, regions = [], []
            for offset, draft in enumerate(drafts):
                values = summary_values(draft)
                values["id"] = first + offset
                values["now"] = now
                rows.append(values)
                regions += [(r, values["period_end"], values["id"]) for r in draft.regions]
            await db.executemany(
                f"INSERT INTO summaries (id, {_COLUMNS}, revision, status, created_at, updated_at) "
                f"VALUES (:id, {marks}, 1, 'active', :now, :now)",
                rows,
            )
            await db.executemany(
                "INSERT OR IGNORE INTO summary_regions (region_id, period_end, summary_id) VALUES (?, ?, ?)",
                regions,
            )
        return len(rows)
