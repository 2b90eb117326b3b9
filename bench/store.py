"""Store benchmark: dataset import time, and stats/latest on a generated store of 1,000,000 summaries.

Targets (issue 2): import ≤ 2 s; stats over all and over 30 days ≤ 50 ms each;
latest -n 10 ≤ 5 ms; the top 10 of a window (/top) ≤ 50 ms. Prints each figure with its ratio to the target.
Run: .venv/bin/python bench/store.py [--summaries N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from handlers.csv_import import import_csv
from storage.models import SummaryDraft, WeaponCategory, WeaponTally
from storage.sqlite import SqliteStore

REGIONS = ["kyiv-city", "kyiv", "odesa", "kharkiv", "lviv", "dnipropetrovsk", "sumy", "south", "east"]


def line(name: str, value: float, unit: str, target: float | None = None) -> None:
    """One figure, with its ratio to the target when there is one."""
    extra = f"   target ≤ {target:g} {unit}, ratio {value / target:.2f} ({'OK' if value <= target else 'MISSED'})" if target else ""
    print(f"{name:<44} {value:>10.2f} {unit}{extra}")


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int = 15) -> float:
    """Median wall time in ms over `repeat` runs (after one warm-up)."""
    await fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


async def bench_import(tmp: Path) -> None:
    dataset = tmp / "missile_attacks_daily.csv.gz"
    dataset.write_bytes(resources.files("seeds").joinpath("missile_attacks_daily.csv.gz").read_bytes())
    samples = []
    for i in range(3):
        async with SqliteStore(str(tmp / f"import{i}.db")) as store:
            t = time.perf_counter()
            report = await import_csv(store, dataset)
            samples.append(time.perf_counter() - t)
    print(f"dataset: {report.rows:,} rows → {report.summaries:,} summaries")
    line("import-csv, full dataset (median of 3)", statistics.median(samples), "s", 2.0)


def generate(n: int, seed: int = 1, offset: int = 0) -> list[SummaryDraft]:
    rng = random.Random(seed)
    start = datetime(2022, 9, 1, tzinfo=UTC)
    span = int((datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds())
    out = []
    for i in range(n):
        end = start + timedelta(seconds=rng.randrange(span))
        drones = rng.randrange(0, 600)
        missiles = rng.randrange(0, 20)
        out.append(
            SummaryDraft(
                external_id=f"bench/{offset + i}",
                period_start=end - timedelta(hours=10),
                period_end=end,
                regions=tuple(sorted(rng.sample(REGIONS, rng.randrange(0, 3)))),
                weapons=(
                    WeaponTally(model="Shahed-136/131", category=WeaponCategory.DRONE, launched=drones, destroyed=drones // 2, suppressed=drones // 4),
                    WeaponTally(model="Kalibr", category=WeaponCategory.MISSILE, launched=missiles, destroyed=missiles // 2),
                ),
                killed=rng.choice([None, 0, 1]),
                injured=rng.choice([None, 0, 3]),
            )
        )
    return out


async def bench_top(store: Any, until: datetime) -> None:
    """/top: the 10 largest attacks of each window it offers, ending at `until`."""
    windows: tuple[tuple[str, int | None, str | None], ...] = (
        ("all time", None, None), ("7 days", 7, None), ("30 days", 30, None), ("90 days", 90, None),
        ("365 days", 365, None), ("all time, one region", None, "odesa"),
        ("30 days, one region", 30, "odesa"), ("365 days, one region", 365, "odesa"),
    )
    for label, days, region in windows:
        lo = None if days is None else until - timedelta(days=days)
        hi = None if days is None else until
        line(f"top 10 (/top), {label}", await timed(lambda lo=lo, hi=hi, region=region: store.largest(10, since=lo, until=hi, region=region)), "ms", 50)


async def bench_queries(tmp: Path, n: int) -> None:
    path = tmp / "big.db"
    async with SqliteStore(str(path)) as store:
        t = time.perf_counter()
        chunk = 50_000
        for i in range(0, n, chunk):
            await store.bulk_append(generate(min(chunk, n - i), seed=i, offset=i))
        await store.rebuild_rollup()
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
    size = sum(os.path.getsize(p) for p in tmp.glob("big.db*"))
    print(f"{'database size':<44} {size / 2**20:>10.1f} MiB   ({size / n:.0f} bytes per summary)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--summaries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench_import(Path(tmp))
        await bench_queries(Path(tmp), args.summaries)


if __name__ == "__main__":
    asyncio.run(main())
