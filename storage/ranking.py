"""Which way to read the largest attacks of a window, shared by the backends.

Two plans answer `Store.largest`: walk the launched-order index from the top
and keep rows inside the window ("by size"), or read the window's rows through
the period_end index and sort them ("by time"). Walking by size stops after
about n × total / in_window rows when sizes do not depend on the date; reading
by time costs the rows in the window. The per-day rollup tells both counts
cheaply, so the cheaper plan is picked before the query runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.timeutil import day_start

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


def rollup_days(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """UTC day bounds [first, last) covering [since, until), partial edge days included (an overestimate)."""
    first = day_start(since) if since is not None else None
    last = None
    if until is not None:
        last = day_start(until)
        if last < until:
            last += timedelta(days=1)
    return first, last
