"""Bulk loading of history in SQLite, bypassing ingest (benchmarks, large backfills)."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from storage.models import SummaryDraft
from storage.rows import CONTENT_COLUMNS
from storage.sqlite.fetch import first_row
from storage.sqlite.rows import CONTENT_PARAMS, summary_values
from storage.timeutil import to_text, utcnow


class SqliteBulk:
    """Append many new summaries at once; no fan-out, rollup rebuilt by the caller."""

    async def append(self, con: aiosqlite.Connection, drafts: Sequence[SummaryDraft]) -> int:
        """Insert drafts whose external ids are new (or None), ids following the highest one."""
        now = to_text(utcnow())
        row = await first_row(con, "SELECT coalesce(max(id), 0) FROM summaries")
        first = int(row[0]) + 1 if row else 1
        rows, regions = [], []
        for offset, draft in enumerate(drafts):
            values = summary_values(draft) | {"id": first + offset, "now": now}
            rows.append(values)
            regions += [(r, values["period_end"], values["id"]) for r in draft.regions]
        await con.executemany(
            f"INSERT INTO summaries (id, {', '.join(CONTENT_COLUMNS)}, revision, status, created_at, updated_at) "
            f"VALUES (:id, {CONTENT_PARAMS}, 1, 'active', :now, :now)",
            rows,
        )
        await con.executemany(
            "INSERT OR IGNORE INTO summary_regions (region_id, period_end, summary_id) VALUES (?, ?, ?)",
            regions,
        )
        return len(rows)
