"""The largest attacks of a window (/top) in PostgreSQL, read through the index the plan names."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from storage.models import StrikeSummary
from storage.postgres.rows import row_reader
from storage.ranking import TopQuery
from storage.rows import SUMMARY_COLUMNS
from storage.timeutil import utc


class PostgresRanking:
    """The ranking queries of the PostgreSQL backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def day_counts(
        self, con: asyncpg.Connection, first: date | None, last: date | None, region: str | None
    ) -> tuple[int, int]:
        """(active summaries of all regions, those of the region on days in [first, last)) from the rollup."""
        row = await con.fetchrow(
            "SELECT coalesce(sum(summaries) FILTER (WHERE region_id = ''), 0)::bigint AS total, "
            "coalesce(sum(summaries) FILTER (WHERE region_id = $1 AND ($2::date IS NULL OR day >= $2) "
            "AND ($3::date IS NULL OR day < $3)), 0)::bigint AS in_window "
            "FROM daily_totals WHERE region_id IN ('', $1)",
            region or "",
            first,
            last,
        )
        return (int(row["total"]), int(row["in_window"])) if row else (0, 0)

    async def largest(self, con: asyncpg.Connection, query: TopQuery, *, by_size: bool) -> list[StrikeSummary]:
        """Up to query.n active summaries in the window, most launched first, then lowest id."""
        args: list[Any] = [query.n]

        def bind(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        bounds = []
        if query.since is not None:
            bounds.append("{end} >= " + bind(utc(query.since)))
        if query.until is not None:
            bounds.append("{end} < " + bind(utc(query.until)))
        region_arg = bind(query.region) if query.region is not None else ""
        if by_size:
            # `+ interval '0 s'` keeps the window off the period_end index, so that a
            # generic plan (asyncpg prepares statements) cannot swap the walk for a range scan
            where = ["s.status = 'active'", *(b.format(end="(s.period_end + interval '0 s')") for b in bounds)]
            if query.region is not None:
                # a scalar subquery, not EXISTS: the planner would turn EXISTS into a hash
                # join over the whole region, where a key lookup per walked row is what is cheap
                where.append(
                    f"(SELECT 1 FROM summary_regions sr WHERE sr.region_id = {region_arg} "
                    "AND sr.period_end = s.period_end AND sr.summary_id = s.id) = 1"
                )
            order = "s.launched DESC, s.id"
            source = "summaries s"
        else:
            # `launched + 0` cannot use the launched index: the planner reads the window by time
            order = "s.launched + 0 DESC, s.id"
            if query.region is None:
                where = ["s.status = 'active'", *(b.format(end="s.period_end") for b in bounds)]
                source = "summaries s"
            else:
                where = [
                    f"sr.region_id = {region_arg}",
                    *(b.format(end="sr.period_end") for b in bounds),
                    "s.status = 'active'",
                ]
                source = "summary_regions sr JOIN summaries s ON s.id = sr.summary_id"
        async with con.transaction(readonly=True):
            # the walk's cost is estimated over the whole index: JIT compiling would cost more than the walk
            await con.execute("SET LOCAL jit = off")
            rows = await con.fetch(
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ("
                f"SELECT s.id FROM {source} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT $1) "
                "ORDER BY launched DESC, id",
                *args,
            )
        return [self._rows.summary(r) for r in rows]
