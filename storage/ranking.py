"""The largest attacks of a window (`Store.largest`), and which way to read them, shared by the backends.

Two plans answer `Store.largest`: walk the launched-order index from the top
and keep rows inside the window ("by size"), or read the window's rows through
the period_end index and sort them ("by time"). Walking by size stops after
about n × total / in_window rows when sizes do not depend on the date; reading
by time costs the rows in the window. The per-day rollup tells both counts
cheaply, so the cheaper plan is picked before the query runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from storage.models import StrikeSummary
from storage.timeutil import day_start

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)

# below this many rows the window is read by time whatever the ratio says:
# a sort of a few thousand rows is cheaper than any index walk that may miss
SMALL_WINDOW = 2_000


def read_by_size(n: int, in_window: int, total: int) -> bool:
    """True when walking the launched index beats reading the window's rows.

    `in_window` counts the rows the answer is drawn from (the window, the
    region); `total` counts every active row the walk may pass over.
    """
    if in_window <= SMALL_WINDOW:
        return False
    # expected rows walked by size, n * total / in_window, against in_window rows by time
    return n * total < in_window * in_window


def rollup_days(since: datetime | None, until: datetime | None) -> tuple[date | None, date | None]:
    """UTC days [first, last) covering [since, until), partial edge days included (an overestimate)."""
    first = day_start(since).date() if since is not None else None
    last = None
    if until is not None:
        end = day_start(until)
        if end < until:
            end += timedelta(days=1)
        last = end.date()
    return first, last


@dataclass(frozen=True)
class TopQuery:
    """What `Store.largest` asks for: up to n active summaries with period_end in [since, until) (None: open)."""

    n: int
    since: datetime | None
    until: datetime | None
    region: str | None


class RankingSql(Protocol[C_contra]):
    """The two queries a backend answers for `Store.largest`."""

    async def day_counts(
        self, con: C_contra, first: date | None, last: date | None, region: str | None
    ) -> tuple[int, int]:
        """From the rollup: (active summaries of all regions, those of the region on days in [first, last))."""
        ...

    async def largest(self, con: C_contra, query: TopQuery, *, by_size: bool) -> list[StrikeSummary]:
        """The answer, most launched first, ties by id, read by size (launched index) or by time (the window)."""
        ...


async def read_largest(sql: RankingSql[C], con: C, query: TopQuery) -> list[StrikeSummary]:
    """Up to n active summaries whose period_end is in [since, until), most launched first, ties by id."""
    if query.n <= 0:
        return []
    by_size = True
    if query.since is not None or query.until is not None:
        first, last = rollup_days(query.since, query.until)
        # the walk by size goes through every region's rows, so its cost is read against all of them
        total, in_window = await sql.day_counts(con, first, last, query.region)
        by_size = read_by_size(query.n, in_window, total)
    return await sql.largest(con, query, by_size=by_size)
