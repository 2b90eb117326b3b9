"""Stats in SQL: a per-day rollup for whole days, raw rows for the partial edges."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import asyncpg

from storage.models import STAT_FIELDS, DayTotal, Largest, SummaryDraft
from storage.postgres.database import LONG_TIMEOUT
from storage.stats import PartTotals, day_span, rollup_counts
from storage.timeutil import utc

# The rollup is rebuilt under this lock: two transactions refreshing the same
# day would otherwise each write totals computed without the other's rows. Waited
# for up to LONG_TIMEOUT: a rebuild of the whole rollup holds it to its transaction's end.
_ROLLUP_LOCK = "SELECT pg_advisory_xact_lock(hashtext('strikebot.rollup'), hashtext(current_schema()))"

_RAW_COLS = (
    "s.id, s.launched, s.drones_launched, s.missiles_launched, s.destroyed, s.suppressed, "
    "coalesce(s.killed, 0) AS killed, coalesce(s.injured, 0) AS injured, s.unsplit, s.period_end"
)
# The sums over a CTE `r` and its largest row. `r` holds either raw summaries
# (n = 1, big = launched) or rollup days (n summaries, big = the day's largest).
_TOTALS = (
    "SELECT a.*, l.id AS largest_id, l.big AS largest_launched, l.period_end AS largest_end "
    "FROM (SELECT coalesce(sum(n), 0)::bigint AS summaries, "
    + ", ".join(f"coalesce(sum({f}), 0)::bigint AS {f}" for f in STAT_FIELDS[1:])
    + " FROM r) a LEFT JOIN LATERAL (SELECT id, big, period_end FROM r "
    "ORDER BY big DESC, id LIMIT 1) l ON true"
)


def _raw_source(region: str | None) -> tuple[str, str]:
    """FROM … WHERE for active summaries (of one region) and the period_end column to bound."""
    if region is None:
        return "FROM summaries s WHERE s.status = 'active'", "s.period_end"
    return (
        "FROM summary_regions sr JOIN summaries s ON s.id = sr.summary_id "
        "WHERE sr.region_id = $1 AND s.status = 'active'",
        "sr.period_end",
    )


def _between(where: str, column: str, args: list[Any], lo: Any, hi: Any) -> str:
    """`where` narrowed to lo <= column < hi, the bounds appended to args (None: left out)."""
    if lo is not None:
        args.append(lo)
        where += f" AND {column} >= ${len(args)}"
    if hi is not None:
        args.append(hi)
        where += f" AND {column} < ${len(args)}"
    return where


def _part(row: Any) -> PartTotals:
    """Totals from a row of _TOTALS."""
    largest = None
    if row["largest_id"] is not None:
        largest = Largest(id=row["largest_id"], launched=row["largest_launched"], period_end=row["largest_end"])
    return PartTotals(tuple(int(row[name]) for name in STAT_FIELDS), largest)


# A new active summary is added to its day's rows; on a tie for the largest the
# earlier (lower) id stays, as in the full recount.
_ADD = (
    "INSERT INTO daily_totals AS t (region_id, day, summaries, launched, drones_launched, "
    "missiles_launched, destroyed, suppressed, killed, injured, largest_id, largest_launched, "
    "largest_period_end, unsplit) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $11, $13, $12, $10) "
    "ON CONFLICT (region_id, day) DO UPDATE SET summaries = t.summaries + 1, "
    "launched = t.launched + excluded.launched, "
    "drones_launched = t.drones_launched + excluded.drones_launched, "
    "missiles_launched = t.missiles_launched + excluded.missiles_launched, "
    "destroyed = t.destroyed + excluded.destroyed, suppressed = t.suppressed + excluded.suppressed, "
    "killed = t.killed + excluded.killed, injured = t.injured + excluded.injured, "
    "unsplit = t.unsplit + excluded.unsplit, "
    "largest_id = CASE WHEN excluded.largest_launched > t.largest_launched "
    "THEN excluded.largest_id ELSE t.largest_id END, "
    "largest_period_end = CASE WHEN excluded.largest_launched > t.largest_launched "
    "THEN excluded.largest_period_end ELSE t.largest_period_end END, "
    "largest_launched = greatest(t.largest_launched, excluded.largest_launched)"
)


class PostgresStats:
    """The stats and rollup statements of the PostgreSQL backend."""

    async def add(self, con: asyncpg.Connection, summary_id: int, draft: SummaryDraft) -> None:
        """Count one new active summary into its day's rows without recounting the day."""
        await con.execute(_ROLLUP_LOCK, timeout=LONG_TIMEOUT)
        end = utc(draft.period_end)
        counts = rollup_counts(draft)
        await con.executemany(
            _ADD,
            [(region, end.date(), *counts, summary_id, end, draft.launched) for region in ("", *sorted(set(draft.regions)))],
        )

    async def refresh_days(self, con: asyncpg.Connection, days: Iterable[date]) -> None:
        """Recompute the rollup rows of these UTC days from the summaries."""
        span = day_span(days)
        if span is None:
            return
        await con.execute(_ROLLUP_LOCK, timeout=LONG_TIMEOUT)
        await con.execute("DELETE FROM daily_totals WHERE day = ANY($1::date[])", span.days, timeout=LONG_TIMEOUT)
        day = "(s.period_end AT TIME ZONE 'UTC')::date"
        # IN (subquery) rather than = ANY(array): hashed, so thousands of days stay cheap
        bounds = "AND {col} >= $2 AND {col} < $3 AND " + day + " IN (SELECT unnest($1::date[]))"
        await con.execute(
            f"WITH base AS (SELECT '' AS region_id, {_RAW_COLS}, {day} AS day FROM summaries s "
            f"WHERE s.status = 'active' {bounds.format(col='s.period_end')} "
            f"UNION ALL SELECT sr.region_id, {_RAW_COLS}, {day} AS day FROM summary_regions sr "
            "JOIN summaries s ON s.id = sr.summary_id WHERE s.status = 'active' "
            f"{bounds.format(col='sr.period_end')}) "
            "INSERT INTO daily_totals (region_id, day, summaries, launched, drones_launched, "
            "missiles_launched, destroyed, suppressed, killed, injured, largest_id, largest_launched, "
            "largest_period_end, unsplit) SELECT region_id, day, count(*), sum(launched), "
            "sum(drones_launched), sum(missiles_launched), sum(destroyed), sum(suppressed), "
            "sum(killed), sum(injured), (array_agg(id ORDER BY launched DESC, id))[1], max(launched), "
            "(array_agg(period_end ORDER BY launched DESC, id))[1], sum(unsplit) FROM base GROUP BY region_id, day",
            span.days,
            span.lo,
            span.hi,
            timeout=LONG_TIMEOUT,
        )

    async def rebuild(self, con: asyncpg.Connection) -> None:
        """Recompute every rollup row."""
        await con.execute(_ROLLUP_LOCK, timeout=LONG_TIMEOUT)
        rows = await con.fetch(
            "SELECT DISTINCT (period_end AT TIME ZONE 'UTC')::date AS day FROM summaries", timeout=LONG_TIMEOUT
        )
        await con.execute("DELETE FROM daily_totals", timeout=LONG_TIMEOUT)
        await self.refresh_days(con, [r["day"] for r in rows])

    async def rollup_totals(
        self, con: asyncpg.Connection, first: date | None, end: date | None, region: str | None
    ) -> PartTotals:
        """Totals of the rollup days in [first, end)."""
        args: list[Any] = [region or ""]
        where = _between("region_id = $1", "day", args, first, end)
        cte = (
            "WITH r AS (SELECT summaries AS n, launched, drones_launched, missiles_launched, "
            "destroyed, suppressed, killed, injured, unsplit, largest_id AS id, "
            "largest_launched AS big, largest_period_end AS period_end "
            f"FROM daily_totals WHERE {where}) "
        )
        return _part(await con.fetchrow(cte + _TOTALS, *args))

    async def raw_totals(
        self, con: asyncpg.Connection, lo: datetime | None, hi: datetime | None, region: str | None
    ) -> PartTotals:
        """Totals of active summaries with period_end in [lo, hi)."""
        source, col = _raw_source(region)
        args: list[Any] = [region] if region is not None else []
        source = _between(source, col, args, lo, hi)
        sql = f"WITH r AS (SELECT 1 AS n, s.launched AS big, {_RAW_COLS} {source}) " + _TOTALS
        return _part(await con.fetchrow(sql, *args))

    async def daily_series(
        self, con: asyncpg.Connection, since: datetime, until: datetime, region: str | None, utc_offset_minutes: int
    ) -> list[DayTotal]:
        """Per-day totals (days in the given UTC offset), oldest first."""
        source, col = _raw_source(region)
        args: list[Any] = [region] if region is not None else []
        args += [utc(since), utc(until), utc_offset_minutes]
        n = len(args)
        sql = (
            f"SELECT to_char((({col} AT TIME ZONE 'UTC') + make_interval(mins => ${n}::int))::date, "
            "'YYYY-MM-DD') AS day, count(*) AS summaries, "
            "coalesce(sum(s.launched), 0)::bigint AS launched, "
            "coalesce(sum(s.drones_launched), 0)::bigint AS drones_launched, "
            "coalesce(sum(s.missiles_launched), 0)::bigint AS missiles_launched, "
            "coalesce(sum(s.destroyed + s.suppressed + s.unsplit), 0)::bigint AS neutralized "
            f"{source} AND {col} >= ${n - 2} AND {col} < ${n - 1} GROUP BY 1 ORDER BY 1"
        )
        rows = await con.fetch(sql, *args)
        return [DayTotal(**dict(r)) for r in rows]

