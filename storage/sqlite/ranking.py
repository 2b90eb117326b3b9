"""The largest attacks of a window (/top), read through whichever index is cheaper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from storage.models import StrikeSummary
from storage import ranking
from storage.sqlite.base import SqliteBase
from storage.sqlite.rows import SUMMARY_COLUMNS, summary_from_row
from storage.timeutil import to_text

# the summary's region row is found by its full primary key
_IN_REGION = (
    "EXISTS (SELECT 1 FROM summary_regions sr WHERE sr.region_id = :region "
    "AND sr.period_end = s.period_end AND sr.summary_id = s.id)"
)


class RankingMixin(SqliteBase):
    """Store.largest for SqliteStore."""

    async def largest(
        self, n: int, *, since: datetime | None, until: datetime | None, region: str | None
    ) -> list[StrikeSummary]:
        """Active summaries with period_end in [since, until), most launched first, then lowest id."""
        if n <= 0:
            return []
        args: dict[str, Any] = {"n": n, "region": region}
        bounds = []
        if since is not None:
            bounds.append("{end} >= :lo")
            args["lo"] = to_text(since)
        if until is not None:
            bounds.append("{end} < :hi")
            args["hi"] = to_text(until)
        async with self._read() as db:
            windowed = since is not None or until is not None
            if not windowed or await self._size_first(db, n, since, until, region):
                where = ["s.status = 'active'", *(b.format(end="s.period_end") for b in bounds)]
                if region is not None:
                    where.append(_IN_REGION)
                ids = (
                    "SELECT s.id FROM summaries s INDEXED BY summaries_status_launched "
                    f"WHERE {' AND '.join(where)} ORDER BY s.launched DESC, s.id LIMIT :n"
                )
            elif region is None:
                where = ["s.status = 'active'", *(b.format(end="s.period_end") for b in bounds)]
                ids = (
                    "SELECT s.id FROM summaries s INDEXED BY summaries_status_end "
                    f"WHERE {' AND '.join(where)} ORDER BY s.launched DESC, s.id LIMIT :n"
                )
            else:
                # CROSS JOIN keeps SQLite reading the region's rows in the window first
                where = ["sr.region_id = :region", *(b.format(end="sr.period_end") for b in bounds)]
                ids = (
                    "SELECT s.id FROM summary_regions sr CROSS JOIN summaries s ON s.id = sr.summary_id "
                    f"WHERE {' AND '.join(where)} AND s.status = 'active' "
                    "ORDER BY s.launched DESC, s.id LIMIT :n"
                )
            sql = (
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ({ids}) "
                "ORDER BY launched DESC, id"
            )
            async with db.execute(sql, args) as cur:
                rows = await cur.fetchall()
        return [summary_from_row(r) for r in rows]

    async def _size_first(
        self,
        db: aiosqlite.Connection,
        n: int,
        since: datetime | None,
        until: datetime | None,
        region: str | None,
    ) -> bool:
        first, last = ranking.rollup_days(since, until)
        inside = ["1 = 1"]
        args: dict[str, Any] = {"region": region or ""}
        if first is not None:
            inside.append("day >= :first")
            args["first"] = to_text(first)[:10]
        if last is not None:
            inside.append("day < :last")
            args["last"] = to_text(last)[:10]
        # the walk by size goes through every region's rows, so its cost is read against all of them
        async with db.execute(
            "SELECT coalesce(sum(CASE WHEN region_id = '' THEN summaries END), 0), "
            f"coalesce(sum(CASE WHEN region_id = :region AND {' AND '.join(inside)} THEN summaries END), 0) "
            "FROM daily_totals WHERE region_id IN ('', :region)",
            args,
        ) as cur:
            row = await cur.fetchone()
        total, in_window = (int(row[0]), int(row[1])) if row else (0, 0)
        return ranking.read_by_size(n, in_window, total)
