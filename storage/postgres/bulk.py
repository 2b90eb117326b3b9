"""Bulk loading of history in PostgreSQL with COPY, bypassing ingest (benchmarks, large backfills)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from storage.models import SummaryDraft
from storage.postgres.database import LONG_TIMEOUT
from storage.postgres.rows import summary_values
from storage.rows import CONTENT_COLUMNS
from storage.timeutil import utc, utcnow


class PostgresBulk:
    """Append many new summaries at once; no fan-out, rollup rebuilt by the caller."""

    async def append(self, con: asyncpg.Connection, drafts: Sequence[SummaryDraft]) -> int:
        """Insert drafts whose external ids are new (or None), with COPY."""
        now = utcnow()
        # ids come from the identity sequence so that later ingests do not collide
        ids = await con.fetch(
            "SELECT nextval(pg_get_serial_sequence('summaries', 'id')) AS id FROM generate_series(1, $1)",
            len(drafts),
            timeout=LONG_TIMEOUT,
        )
        rows, regions = [], []
        for record, draft in zip(ids, drafts, strict=True):
            summary_id = record["id"]
            rows.append((summary_id, *summary_values(draft), 1, "active", now, now))
            end = utc(draft.period_end)
            regions += [(region, end, summary_id) for region in dict.fromkeys(draft.regions)]
        await con.copy_records_to_table(
            "summaries",
            records=rows,
            columns=["id", *CONTENT_COLUMNS, "revision", "status", "created_at", "updated_at"],
            timeout=LONG_TIMEOUT,
        )
        if regions:
            await con.copy_records_to_table(
                "summary_regions",
                records=regions,
                columns=["region_id", "period_end", "summary_id"],
                timeout=LONG_TIMEOUT,
            )
        return len(rows)
