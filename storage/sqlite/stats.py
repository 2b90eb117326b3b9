"""Stats in SQL: a per-day rollup for whole days, raw rows for the partial edges."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import aiosqlite

from storage.models import DayTotal, Largest, Stats
from storage.sqlite.base import SqliteBase
from storage.stats import PartTotals, read_stats
from storage.timeutil import from_text, to_text

_SUMS = (
    "count(*), coalesce(sum(s.launched), 0), coalesce(sum(s.drones_launched), 0), "
    "coalesce(sum(s.missiles_launched), 0), coalesce(sum(s.destroyed), 0), "
    "coalesce(sum(s.suppressed), 0), coalesce(sum(coalesce(s.killed, 0)), 0), "
    "coalesce(sum(coalesce(s.injured, 0)), 0)"
)
_ROLLUP_SUMS = (
    "coalesce(sum(summaries), 0), coalesce(sum(launched), 0), coalesce(sum(drones_launched), 0), "
    "coalesce(sum(missiles_launched), 0), coalesce(sum(destroyed), 0), "
    "coalesce(sum(suppressed), 0), coalesce(sum(killed), 0), coalesce(sum(injured), 0)"
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


def _end_col(region: str | None) -> str:
    return "s.period_end" if region is None else "sr.period_end"


# A new active summary is added to its day's rows; on a tie for the largest the
# earlier (lower) id stays, as in the full recount.
_ADD = (
    "INSERT INTO daily_totals (region_id, day, summaries, launched, drones_launched, "
    "missiles_launched, destroyed, suppressed, killed, injured, largest_id, largest_launched, "
    "largest_period_end) VALUES (:region, :day, 1, :launched, :drones, :missiles, :destroyed, "
    ":suppressed, :killed, :injured, :id, :launched, :end) ON CONFLICT (region_id, day) DO UPDATE "
    "SET summaries = summaries + 1, launched = launched + excluded.launched, "
    "drones_launched = drones_launched + excluded.drones_launched, "
    "missiles_launched = missiles_launched + excluded.missiles_launched, "
    "destroyed = destroyed + excluded.destroyed, suppressed = suppressed + excluded.suppressed, "
    "killed = killed + excluded.killed, injured = injured + excluded.injured, "
    "largest_id = CASE WHEN excluded.largest_launched > largest_launched "
    "THEN excluded.largest_id ELSE largest_id END, "
    "largest_period_end = CASE WHEN excluded.largest_launched > largest_launched "
    "THEN excluded.largest_period_end ELSE largest_period_end END, "
    "largest_launched = max(largest_launched, excluded.largest_launched)"
)


class StatsMixin(SqliteBase):
    """Stats queries for SqliteStore."""

    async def _add_to_rollup(
        self, db: aiosqlite.Connection, summary_id: int, values: dict[str, Any], regions: Iterable[str]
    ) -> None:
        """Count one new active summary into its day's rows without recounting the day."""
        row = {
            "day": values["period_end"][:10],
            "end": values["period_end"],
            "id": summary_id,
            "launched": values["launched"],
            "drones": values["drones_launched"],
            "missiles": values["missiles_launched"],
            "destroyed": values["destroyed"],
            "suppressed": values["suppressed"],
            "killed": values["killed"] or 0,
            "injured": values["injured"] or 0,
        }
        await db.executemany(_ADD, [row | {"region": r} for r in ("", *sorted(set(regions)))])

    async def _refresh_days(self, db: aiosqlite.Connection, days: Iterable[str]) -> None:
        """Recompute the rollup rows of these UTC days from the summaries, in one statement."""
        wanted = sorted(set(days))
        if not wanted:
            return
        lo = f"{wanted[0]}T00:00:00.000000Z"
        hi = to_text(from_text(f"{wanted[-1]}T00:00:00.000000Z") + timedelta(days=1))
        marks = ", ".join("?" for _ in wanted)
        await db.execute(f"DELETE FROM daily_totals WHERE day IN ({marks})", wanted)
        cols = (
            "s.id, s.launched, s.drones_launched, s.missiles_launched, s.destroyed, "
            "s.suppressed, coalesce(s.killed, 0) AS killed, coalesce(s.injured, 0) AS injured, "
            "s.period_end, substr(s.period_end, 1, 10) AS day"
        )
        in_days = f"s.status = 'active' AND s.period_end >= ? AND s.period_end < ? AND substr(s.period_end, 1, 10) IN ({marks})"
        await db.execute(
            f"WITH base AS (SELECT '' AS region_id, {cols} FROM summaries s WHERE {in_days} "
            f"UNION ALL SELECT sr.region_id, {cols} FROM summaries s CROSS JOIN summary_regions sr "
            f"ON sr.summary_id = s.id WHERE {in_days}), "
            "ranked AS (SELECT *, row_number() OVER (PARTITION BY region_id, day "
            "ORDER BY launched DESC, id) AS rn FROM base) "
            "INSERT INTO daily_totals SELECT region_id, day, count(*), sum(launched), "
            "sum(drones_launched), sum(missiles_launched), sum(destroyed), sum(suppressed), "
            "sum(killed), sum(injured), max(CASE WHEN rn = 1 THEN id END), max(launched), "
            "max(CASE WHEN rn = 1 THEN period_end END) FROM ranked GROUP BY region_id, day",
            [lo, hi, *wanted, lo, hi, *wanted],
        )

    async def rebuild_rollup(self) -> None:
        """Recompute every rollup row (after a bulk load that bypassed ingest)."""
        async with self._tx() as db:
            async with db.execute("SELECT DISTINCT substr(period_end, 1, 10) FROM summaries") as cur:
                days = [r[0] for r in await cur.fetchall()]
            await db.execute("DELETE FROM daily_totals")
            await self._refresh_days(db, days)

    async def stats(
        self, *, since: datetime | None, until: datetime | None, region: str | None
    ) -> Stats:
        async with self._read() as db:
            return await read_stats(self, db, since=since, until=until, region=region)

    async def rollup_totals(
        self, db: aiosqlite.Connection, first: date | None, end: date | None, region: str | None
    ) -> PartTotals:
        """Totals of the rollup days in [first, end)."""
        where = "region_id = :region"
        args: dict[str, Any] = {"region": region or ""}
        if first is not None:
            where += " AND day >= :lo"
            args["lo"] = first.isoformat()
        if end is not None:
            where += " AND day < :hi"
            args["hi"] = end.isoformat()
        async with db.execute(f"SELECT {_ROLLUP_SUMS} FROM daily_totals WHERE {where}", args) as cur:
            row = await cur.fetchone()
        async with db.execute(
            "SELECT largest_id, largest_launched, largest_period_end FROM daily_totals "
            f"WHERE {where} ORDER BY largest_launched DESC, largest_id LIMIT 1",
            args,
        ) as cur:
            largest = await cur.fetchone()
        return _part(row, largest)

    async def raw_totals(
        self, db: aiosqlite.Connection, lo: datetime | None, hi: datetime | None, region: str | None
    ) -> PartTotals:
        """Totals of active summaries with period_end in [lo, hi)."""
        col = _end_col(region)
        where = _raw_from(region)
        args: dict[str, Any] = {"region": region}
        if lo is not None:
            where += f" AND {col} >= :lo"
            args["lo"] = to_text(lo)
        if hi is not None:
            where += f" AND {col} < :hi"
            args["hi"] = to_text(hi)
        async with db.execute(f"SELECT {_SUMS} {where}", args) as cur:
            row = await cur.fetchone()
        async with db.execute(
            f"SELECT s.id, s.launched, s.period_end {where} ORDER BY s.launched DESC, s.id LIMIT 1",
            args,
        ) as cur:
            largest = await cur.fetchone()
        return _part(row, largest)

    async def daily_series(
        self, *, since: datetime, until: datetime, region: str | None, utc_offset_minutes: int = 0
    ) -> list[DayTotal]:
        col = _end_col(region)
        shift = f"{utc_offset_minutes:+d} minutes"
        sql = (
            f"SELECT date(substr({col}, 1, 19), :shift) AS day, count(*), "
            "coalesce(sum(s.launched), 0), coalesce(sum(s.drones_launched), 0), "
            "coalesce(sum(s.missiles_launched), 0), "
            "coalesce(sum(s.destroyed + s.suppressed), 0) "
            f"{_raw_from(region)} AND {col} >= :lo AND {col} < :hi GROUP BY day ORDER BY day"
        )
        args = {"shift": shift, "lo": to_text(since), "hi": to_text(until), "region": region}
        async with self._read() as db:
            async with db.execute(sql, args) as cur:
                rows = await cur.fetchall()
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

