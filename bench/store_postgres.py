"""PostgreSQL store benchmark: the same figures as bench/store.py, on a throwaway schema.

Run: .venv/bin/python bench/store_postgres.py [--summaries N] [--url postgresql://…]
Needs a PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import asyncpg
from store import bench_top, generate, line, timed  # bench/store.py, next to this file

from handlers.csv_import import import_csv
from storage.postgres import PostgresStore


async def bench_import(url: str, tmp: Path) -> None:
    dataset = tmp / "missile_attacks_daily.csv.gz"
    dataset.write_bytes(resources.files("seeds").joinpath("missile_attacks_daily.csv.gz").read_bytes())
    samples = []
    for _ in range(3):
        async with schema(url) as scoped, PostgresStore(scoped) as store:
            t = time.perf_counter()
            report = await import_csv(store, dataset)
            samples.append(time.perf_counter() - t)
    print(f"dataset: {report.rows:,} rows → {report.summaries:,} summaries")
    line("import-csv, full dataset (median of 3)", statistics.median(samples), "s", 2.0)


async def bench_queries(url: str, n: int) -> None:
    async with schema(url) as scoped, PostgresStore(scoped) as store:
        t = time.perf_counter()
        chunk = 50_000
        for i in range(0, n, chunk):
            await store.bulk_append(generate(min(chunk, n - i), seed=i, offset=i))
        await store.rebuild_rollup()
        async with store.pool.acquire() as con:
            await con.execute("ANALYZE")
        print(f"generated store: {await store.count_summaries():,} summaries in {time.perf_counter() - t:.1f} s")
        until = datetime(2026, 10, 15, 13, 37, tzinfo=UTC)
        since = until - timedelta(days=30)
        line("stats, all time", await timed(lambda: store.stats(since=None, until=None, region=None)), "ms", 50)
        line("stats, 30-day window (partial-day edges)", await timed(lambda: store.stats(since=since, until=until, region=None)), "ms", 50)
        line("stats, all time, one region", await timed(lambda: store.stats(since=None, until=None, region="odesa")), "ms", 50)
        line("stats, 30 days, one region", await timed(lambda: store.stats(since=since, until=until, region="odesa")), "ms", 50)
        line("latest -n 10", await timed(lambda: store.latest(10)), "ms", 5)
        line("latest -n 10, one region", await timed(lambda: store.latest(10, region="lviv")), "ms", 5)
        await bench_top(store, until)
        line("daily series, 30 days", await timed(lambda: store.daily_series(since=since, until=until, region=None)), "ms")
        async with store.pool.acquire() as con:
            size = await con.fetchval(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
        print(f"{'database size (tables + indexes)':<44} {size / 2**20:>10.1f} MiB   ({size / n:.0f} bytes per summary)")


class schema:
    """A fresh schema for the duration of the block; yields a URL whose search_path points at it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"bench_{uuid.uuid4().hex[:10]}"

    async def __aenter__(self) -> str:
        self.admin = await asyncpg.connect(self.url)
        await self.admin.execute(f'CREATE SCHEMA "{self.name}"')
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{self.name}"

    async def __aexit__(self, *exc: object) -> None:
        await self.admin.execute(f'DROP SCHEMA "{self.name}" CASCADE')
        await self.admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--summaries", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench_import(args.url, Path(tmp))
    await bench_queries(args.url, args.summaries)


if __name__ == "__main__":
    asyncio.run(main())
