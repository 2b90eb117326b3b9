"""Stats in SQL: a per-day rollup for whole days, raw rows for the partial edges."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.models import STAT_FIELDS, DayTotal, Largest, SummaryDraft
from storage.sqlite.fetch import first_row
from storage.stats import PartTotals, day_span, rollup_counts
from storage.timeutil import from_text, to_text

_SUMS = (
    "count(*), coalesce(sum(s.launched), 0), coalesce(sum(s.drones_launched), 0), "
    "coalesce(sum(s.missiles_launched), 0), coalesce(sum(s.destroyed), 0), "
    "coalesce(sum(s.suppressed), 0), coalesce(sum(coalesce(s.killed, 0)), 0), "
    "coalesce(sum(coalesce(s.injured, 0)), 0), coalesce(sum(s.unsplit), 0)"
)
_ROLLUP_SUMS = (
    "coalesce(sum(summaries), 0), coalesce(sum(launched), 0), coalesce(sum(drones_launched), 0), "
    "coalesce(sum(missiles_launched), 0), coalesce(sum(destroyed), 0), "
    "coalesce(sum(suppressed), 0), coalesce(sum(killed), 0), coalesce(sum(injured), 0), "
    "coalesce(sum(unsplit), 0)"
)


def _raw_from(region: str | None) -> str:
    if region is None:
        return "FROM summaries s WHERE s.status = 'active'"
    return (
        "FROM summary_regions sr JOIN summaries s ON s.id = sr.summary_id "
        "WHERE sr.region_id = :region AND s.status = 'active'"
    )


def _part(sums: Any, largest: Any) -> PartTotals:
    """Totals from a sums row and an (id, launched, period_end) row, either possibly missing."""
    found = None
    if largest is not None and largest[0] is not None:
        found = Largest(id=int(largest[0]), launched=int(largest[1]), period_end=from_text(largest[2]))
    return PartTotals(tuple(int(v) for v in sums), found)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _between(where: str, column: str, args: dict[str, Any]) -> str:
    """`where` narrowed to :lo <= column < :hi, either bound left out when None."""
    if args["lo"] is not None:
        where += f" AND {column} >= :lo"
    if args["hi"] is not None:
        where += f" AND {column} < :hi"
    return where


async def _totals(con: aiosqlite.Connection, sums: str, largest: str, args: dict[str, Any]) -> PartTotals:
    """Totals from a sums query and an (id, launched, period_end) query of the largest row."""
    row = await first_row(con, sums, args)
    top = await first_row(con, largest, args)
    return _part(row, top)


def _end_col(region: str | None) -> str:
    return "s.period_end" if region is None else "sr.period_end"


# A new active summary is added to its day's rows; on a tie for the largest the
# earlier (lower) id stays, as in the full recount.
_ADD = (
    "INSERT INTO daily_totals (region_id, day, summaries, launched, drones_launched, "
    "missiles_launched, destroyed, suppressed, killed, injured, largest_id, largest_launched, "
    "largest_period_end, unsplit) VALUES (:region, :day, 1, :launched, :drones_launched, :missiles_launched, "
    ":destroyed, :suppressed, :killed, :injured, :id, :launched, :end, :unsplit) ON CONFLICT (region_id, day) DO UPDATE "
    "SET summaries = summaries + 1, launched = launched + excluded.launched, "
    "drones_launched = drones_launched + excluded.drones_launched, "
    "missiles_launched = missiles_launched + excluded.missiles_launched, "
    "destroyed = destroyed + excluded.destroyed, suppressed = suppressed + excluded.suppressed, "
    "killed = killed + excluded.killed, injured = injured + excluded.injured, "
    "unsplit = unsplit + excluded.unsplit, "
    "largest_id = CASE WHEN excluded.largest_launched > largest_launched "
    "THEN excluded.largest_id ELSE largest_id END, "
    "largest_period_end = CASE WHEN excluded.largest_launched > largest_launched "
    "THEN excluded.largest_period_end ELSE largest_period_end END, "
    "largest_launched = max(largest_launched, excluded.largest_launched)"
)


class SqliteStats:
    """The stats and rollup statements of the SQLite backend (days are 'YYYY-MM-DD' text)."""

    async def add(self, con: aiosqlite.Connection, summary_id: int, draft: SummaryDraft) -> None:
        """Count one new active summary into its day's rows without recounting the day."""
        end = to_text(draft.period_end)
        row = dict(zip(STAT_FIELDS[1:], rollup_counts(draft), strict=True)) | {"day": end[:10], "end": end, "id": summary_id}
        await con.executemany(_ADD, [row | {"region": r} for r in ("", *sorted(set(draft.regions)))])

    async def refresh_days(self, con: aiosqlite.Connection, days: Iterable[date]) -> None:
        """Recompute the rollup rows of these UTC days from the summaries, in one statement."""
        span = day_span(days)
        if span is None:
            return
        wanted = [day.isoformat() for day in span.days]
        lo, hi = to_text(span.lo), to_text(span.hi)
        marks = ", ".join("?" for _ in wanted)
        await con.execute(f"DELETE FROM daily_totals WHERE day IN ({marks})", wanted)
        cols = (
            "s.id, s.launched, s.drones_launched, s.missiles_launched, s.destroyed, "
            "s.suppressed, coalesce(s.killed, 0) AS killed, coalesce(s.injured, 0) AS injured, "
            "s.unsplit, s.period_end, substr(s.period_end, 1, 10) AS day"
        )
        in_days = f"s.status = 'active' AND s.period_end >= ? AND s.period_end < ? AND substr(s.period_end, 1, 10) IN ({marks})"
        await con.execute(
            f"WITH base AS (SELECT '' AS region_id, {cols} FROM summaries s WHERE {in_days} "
            f"UNION ALL SELECT sr.region_id, {cols} FROM summaries s CROSS JOIN summary_regions sr "
            f"ON sr.summary_id = s.id WHERE {in_days}), "
            "ranked AS (SELECT *, row_number() OVER (PARTITION BY region_id, day "
            "ORDER BY launched DESC, id) AS rn FROM base) "
            "INSERT INTO daily_totals (region_id, day, summaries, launched, drones_launched, "
            "missiles_launched, destroyed, suppressed, killed, injured, largest_id, largest_launched, "
            "largest_period_end, unsplit) SELECT region_id, day, count(*), sum(launched), "
            "sum(drones_launched), sum(missiles_launched), sum(destroyed), sum(suppressed), "
            "sum(killed), sum(injured), max(CASE WHEN rn = 1 THEN id END), max(launched), "
            "max(CASE WHEN rn = 1 THEN period_end END), sum(unsplit) FROM ranked GROUP BY region_id, day",
            [lo, hi, *wanted, lo, hi, *wanted],
        )

    async def rebuild(self, con: aiosqlite.Connection) -> None:
        """Recompute every rollup row."""
        rows = await con.execute_fetchall("SELECT DISTINCT substr(period_end, 1, 10) FROM summaries")
        days = [date.fromisoformat(r[0]) for r in rows]
        await con.execute("DELETE FROM daily_totals")
        await self.refresh_days(con, days)

    async def rollup_totals(
        self, con: aiosqlite.Connection, first: date | None, end: date | None, region: str | None
    ) -> PartTotals:
        """Totals of the rollup days in [first, end)."""
        args = {"region": region or "", "lo": _day(first), "hi": _day(end)}
        where = _between("region_id = :region", "day", args)
        return await _totals(
            con,
            f"SELECT {_ROLLUP_SUMS} FROM daily_totals WHERE {where}",
            "SELECT largest_id, largest_launched, largest_period_end FROM daily_totals "
            f"WHERE {where} ORDER BY largest_launched DESC, largest_id LIMIT 1",
            args,
        )

    async def raw_totals(
        self, con: aiosqlite.Connection, lo: datetime | None, hi: datetime | None, region: str | None
    ) -> PartTotals:
        """Totals of active summaries with period_end in [lo, hi)."""
        args = {"region": region, "lo": to_text(lo) if lo else None, "hi": to_text(hi) if hi else None}
        where = _between(_raw_from(region), _end_col(region), args)
        return await _totals(
            con,
            f"SELECT {_SUMS} {where}",
            f"SELECT s.id, s.launched, s.period_end {where} ORDER BY s.launched DESC, s.id LIMIT 1",
            args,
        )

    async def daily_series(
        self, con: aiosqlite.Connection, since: datetime, until: datetime, region: str | None, utc_offset_minutes: int
    ) -> list[DayTotal]:
        """Per-day totals (days in the given UTC offset), oldest first."""
        col = _end_col(region)
        sql = (
            f"SELECT date(substr({col}, 1, 19), :shift) AS day, count(*), "
            "coalesce(sum(s.launched), 0), coalesce(sum(s.drones_launched), 0), "
            "coalesce(sum(s.missiles_launched), 0), "
            "coalesce(sum(s.destroyed + s.suppressed + s.unsplit), 0) "
            f"{_raw_from(region)} AND {col} >= :lo AND {col} < :hi GROUP BY day ORDER BY day"
        )
        args = {"shift": f"{utc_offset_minutes:+d} minutes", "lo": to_text(since), "hi": to_text(until), "region": region}
        rows = await con.execute_fetchall(sql, args)
        return [
            DayTotal(
                day=r[0],
                summaries=r[1],
                launched=r[2],
                drones_launched=r[3],
                missiles_launched=r[4],
                neutralized=r[5],
            )
            for r in rows
        ]
