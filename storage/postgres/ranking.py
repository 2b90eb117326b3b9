"""The largest attacks of a window (/top), read through whichever index is cheaper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from storage.models import StrikeSummary
from storage.postgres.base import PostgresBase
from storage.postgres.rows import SUMMARY_COLUMNS, summary_from_row
from storage.timeutil import utc
from storage import ranking


class RankingMixin(PostgresBase):
    """Store.largest for PostgresStore."""

    async def largest(
        self, n: int, *, since: datetime | None, until: datetime | None, region: str | None
    ) -> list[StrikeSummary]:
        """Active summaries with period_end in [since, until), most launched first, then lowest id."""
        if n <= 0:
            return []
        args: list[Any] = [n]

        def bind(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        bounds = []
        if since is not None:
            bounds.append(("{end} >= " + bind(utc(since))))
        if until is not None:
            bounds.append(("{end} < " + bind(utc(until))))
        region_arg = bind(region) if region is not None else ""
        async with self._read() as con, con.transaction(readonly=True):
            windowed = since is not None or until is not None
            if not windowed or await self._size_first(con, n, since, until, region):
                # `+ interval '0 s'` keeps the window off the period_end index, so that a
                # generic plan (asyncpg prepares statements) cannot swap the walk for a range scan
                where = ["s.status = 'active'", *(b.format(end="(s.period_end + interval '0 s')") for b in bounds)]
                if region is not None:
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
                if region is None:
                    where = ["s.status = 'active'", *(b.format(end="s.period_end") for b in bounds)]
                    source = "summaries s"
                else:
                    where = [
                        f"sr.region_id = {region_arg}",
                        *(b.format(end="sr.period_end") for b in bounds),
                        "s.status = 'active'",
                    ]
                    source = "summary_regions sr JOIN summaries s ON s.id = sr.summary_id"
            # the walk's cost is estimated over the whole index: JIT compiling would cost more than the walk
            await con.execute("SET LOCAL jit = off")
            rows = await con.fetch(
                f"SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id IN ("
                f"SELECT s.id FROM {source} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT $1) "
                "ORDER BY launched DESC, id",
                *args,
            )
        return [summary_from_row(r) for r in rows]

    async def _size_first(
        self,
        con: asyncpg.Connection,
        n: int,
        since: datetime | None,
        until: datetime | None,
        region: str | None,
    ) -> bool:
        first, last = ranking.rollup_days(since, until)
        # the walk by size goes through every region's rows, so its cost is read against all of them
        row = await con.fetchrow(
            "SELECT coalesce(sum(summaries) FILTER (WHERE region_id = ''), 0)::bigint AS total, "
            "coalesce(sum(summaries) FILTER (WHERE region_id = $1 AND ($2::date IS NULL OR day >= $2) "
            "AND ($3::date IS NULL OR day < $3)), 0)::bigint AS in_window "
            "FROM daily_totals WHERE region_id IN ('', $1)",
            region or "",
            first.date() if first is not None else None,
            last.date() if last is not None else None,
        )
        total, in_window = (int(row["total"]), int(row["in_window"])) if row else (0, 0)
        return ranking.read_by_size(n, in_window, total)
