"""Stats over a window, written once for every backend.

A window [since, until) is read as whole UTC days from the per-day rollup and
raw summaries for the partial days at its edges; each backend answers those
two queries and the totals are assembled here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar

from storage.models import STAT_FIELDS, DayTotal, Largest, Stats, SummaryDraft
from storage.rows import weapon_counts
from storage.timeutil import day_start, utc

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


@dataclass(frozen=True)
class WindowPart:
    """A piece of a window: whole UTC days [lo, hi) read from the rollup, or an edge read from raw rows."""

    lo: datetime | None
    hi: datetime | None
    whole_days: bool

    @property
    def first_day(self) -> date | None:
        """The first whole day of a rollup piece (None: unbounded)."""
        return self.lo.date() if self.lo is not None else None

    @property
    def end_day(self) -> date | None:
        """The day after the last whole day of a rollup piece (None: unbounded)."""
        return self.hi.date() if self.hi is not None else None


def split_window(since: datetime | None, until: datetime | None) -> list[WindowPart]:
    """[since, until) as raw edge pieces and a middle of whole UTC days, bounds in UTC."""
    since = utc(since) if since is not None else None
    until = utc(until) if until is not None else None
    first = None if since is None else day_start(since)
    if first is not None and since is not None and first < since:
        first += timedelta(days=1)
    last = None if until is None else day_start(until)
    if first is not None and last is not None and first >= last:
        return [WindowPart(since, until, whole_days=False)]
    parts: list[WindowPart] = []
    if since is not None and first is not None and since < first:
        parts.append(WindowPart(since, first, whole_days=False))
    parts.append(WindowPart(first, last, whole_days=True))
    if until is not None and last is not None and last < until:
        parts.append(WindowPart(last, until, whole_days=False))
    return parts


@dataclass(frozen=True)
class PartTotals:
    """The sums of one piece of a window, in STAT_FIELDS order, and its largest summary."""

    sums: tuple[int, ...]
    largest: Largest | None


class StatsSql(Protocol[C_contra]):
    """The queries a backend answers for `Store.stats` and `Store.daily_series`."""

    async def rollup_totals(
        self, con: C_contra, first: date | None, end: date | None, region: str | None
    ) -> PartTotals:
        """Totals of the rollup days in [first, end) (None: unbounded), '' region rows when region is None."""
        ...

    async def raw_totals(
        self, con: C_contra, lo: datetime | None, hi: datetime | None, region: str | None
    ) -> PartTotals:
        """Totals of active summaries (of the region) with period_end in [lo, hi)."""
        ...

    async def daily_series(
        self, con: C_contra, since: datetime, until: datetime, region: str | None, utc_offset_minutes: int
    ) -> list[DayTotal]:
        """Per-day totals (days in the given UTC offset), oldest first, days without summaries left out."""
        ...


async def read_stats(
    sql: StatsSql[C], con: C, *, since: datetime | None, until: datetime | None, region: str | None
) -> Stats:
    """Totals of active summaries whose period_end is in [since, until)."""
    parts = []
    for part in split_window(since, until):
        if part.whole_days:
            parts.append(await sql.rollup_totals(con, part.first_day, part.end_day, region))
        else:
            parts.append(await sql.raw_totals(con, part.lo, part.hi, region))
    return assemble_stats(parts, since=since, until=until, region=region)


def assemble_stats(
    parts: Sequence[PartTotals], *, since: datetime | None, until: datetime | None, region: str | None
) -> Stats:
    """One Stats from the totals of the pieces of a window."""
    totals = dict.fromkeys(STAT_FIELDS, 0)
    for part in parts:
        for name, value in zip(STAT_FIELDS, part.sums, strict=True):
            totals[name] += int(value)
    # most launched first; on a tie the earlier (lower) id, as the rollup keeps it
    largest = max(
        (p.largest for p in parts if p.largest is not None),
        key=lambda found: (found.launched, -found.id),
        default=None,
    )
    launched = totals["launched"]
    neutralized = totals["destroyed"] + totals["suppressed"] + totals["unsplit"]
    return Stats(
        since=since,
        until=until,
        region=region,
        neutralized=neutralized,
        neutralization_rate=round(neutralized / launched, 6) if launched else None,
        largest=largest,
        **totals,
    )


def rollup_counts(draft: SummaryDraft) -> tuple[int, ...]:
    """What one summary adds to its day's rollup rows: STAT_FIELDS after `summaries`, unknown casualties as 0."""
    counts = weapon_counts(draft)
    return (
        counts["launched"],
        counts["drones_launched"],
        counts["missiles_launched"],
        counts["destroyed"],
        counts["suppressed"],
        draft.killed or 0,
        draft.injured or 0,
        counts["unsplit"],
    )


@dataclass(frozen=True)
class DaySpan:
    """UTC days to recount, and the [lo, hi) period_end range that covers them."""

    days: list[date]
    lo: datetime
    hi: datetime


def day_span(days: Iterable[date]) -> DaySpan | None:
    """The distinct days in order with their covering range; None when there are none."""
    wanted = sorted(set(days))
    if not wanted:
        return None
    lo = datetime.combine(wanted[0], time(), tzinfo=UTC)
    hi = datetime.combine(wanted[-1] + timedelta(days=1), time(), tzinfo=UTC)
    return DaySpan(wanted, lo, hi)


class RollupSql(Protocol[C_contra]):
    """How a backend keeps its per-day rollup in step with the summaries."""

    async def add(self, con: C_contra, summary_id: int, draft: SummaryDraft) -> None:
        """Count one new active summary into its day's rows without recounting the day."""
        ...

    async def refresh_days(self, con: C_contra, days: Iterable[date]) -> None:
        """Recompute the rollup rows of these UTC days from the summaries."""
        ...

    async def rebuild(self, con: C_contra) -> None:
        """Recompute every rollup row."""
        ...
