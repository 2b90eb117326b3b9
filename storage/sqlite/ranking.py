"""The largest attacks of a window (/top) in SQLite, read through the index the plan names."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiosqlite

from storage.models import StrikeSummary
from storage.ranking import TopQuery
from storage.rows import SUMMARY_COLUMNS
from storage.sqlite.fetch import first_row
from storage.sqlite.rows import row_reader
from storage.timeutil import to_text

# the summary's region row is found by its full primary key
_IN_REGION = (
    "EXISTS (SELECT 1 FROM summary_regions sr WHERE sr.region_id = :region "
    "AND sr.period_end = s.period_end AND sr.summary_id = s.id)"
)


class SqliteRanking:
    """The ranking queries of the SQLite backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def day_counts(
        self, con: aiosqlite.Connection, first: date | None, last: date | None, region: str | None
    ) -> tuple[int, int]:
        """(active summaries of all regions, those of the region on days in [first, last)) from the rollup."""
        inside = ["1 = 1"]
        args: dict[str, Any] = {"region": region or ""}
        if first is not None:
            inside.append("day >= :first")
            args["first"] = first.isoformat()
        if last is not None:
            inside.append("day < :last")
            args["last"] = last.isoformat()
        row = await first_row(
            con,
            "SELECT coalesce(sum(CASE WHEN region_id = '' THEN summaries END), 0), "
            f"coalesce(sum(CASE WHEN region_id = :region AND {' AND '.join(inside)} THEN summaries END), 0) "
            "FROM daily_totals WHERE region_id IN ('', :region)",
            args,
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def largest(self, con: aiosqlite.Connection, query: TopQuery, *, by_size: bool) -> list[StrikeSummary]:
        """Up to query.n active summaries in the window, most launched first, then lowest id."""
        args: dict[str, Any] = {"n": query.n, "region": query.region}
        bounds = []
        if query.since is not None:
            bounds.append("{end} >= :lo")
            args["lo"] = to_text(query.since)
        if query.until is not None:
            bounds.append("{end} < :hi")
            args["hi"] = to_text(query.until)
        if by_size:
            where = ["s.status = 'active'", *(b.format(end="s.period_end") for b in bounds)]
            if query.region is not None:
                where.append(_IN_REGION)
            ids = (
                "SELECT s.id FROM summaries s INDEXED BY summaries_status_launched "
                f"WHERE {' AND '.join(where)} ORDER BY s.launched DESC, s.id LIMIT :n"
            )
        elif query.region is None:
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
        sql = f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ({ids}) ORDER BY launched DESC, id"
        rows = await con.execute_fetchall(sql, args)
        return [self._rows.summary(r) for r in rows]
