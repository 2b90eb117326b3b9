"""Benchmark the HTTP ingest API of a running `strikebot run` (temp SQLite DB, console transport).

Prints valid-summary ingests/s with no subscribers (target >= 500/s) with p50/p99
latency, and the latency of one ingest that enqueues 10,000 deliveries (target
<= 150 ms). Usage: `.venv/bin/python -m bench.api [--requests 3000] [--concurrency 8]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp

from storage.sqlite import SqliteStore

TOKEN = "bench-token-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


_EPOCH = datetime(2015, 1, 1, 6, tzinfo=timezone(timedelta(hours=3)))
_PREFIX_DAYS = {"warm": 0, "bench": 1000, "serial": 5000, "fanout": 7000}


def payload(i: int, *, prefix: str = "bench") -> dict[str, Any]:
    """A valid summary with a unique external id, on its own night like real reports."""
    # real feeds send a few reports a day: two per night here (a new report is added to its
    # day's stats rollup incrementally, so piling them onto one day would cost the same)
    end = _EPOCH + timedelta(days=_PREFIX_DAYS.get(prefix, 0) + i // 2, hours=12 * (i % 2))
    return {
        "external_id": f"{prefix}/{i}",
        "source": "bench",
        "period_start": (end - timedelta(hours=12)).isoformat(),
        "period_end": end.isoformat(),
        "regions": ["Kyiv"],
        "weapons": [
            {"model": "Shahed-136/131", "launched": 539, "destroyed": 268, "suppressed": 208},
            {"model": "Iskander-M", "launched": 6, "destroyed": 2},
        ],
        "hit_locations": 8,
        "killed": 0,
        "injured": i % 50,
        "damage": ["about 40 apartment buildings"],
    }


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def wait_healthy(http: aiohttp.ClientSession, base: str, proc: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until the bot answers 200."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"strikebot run exited with {proc.returncode}")
        try:
            async with http.get(f"{base}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("strikebot run did not become healthy in 60 s")


async def throughput(http: aiohttp.ClientSession, base: str, total: int, concurrency: int, prefix: str) -> None:
    """POST `total` new summaries from `concurrency` workers; print rate and latency percentiles."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            async with http.post(f"{base}/v1/summaries", json=payload(i, prefix=prefix), headers=HEADERS) as resp:
                await resp.read()
                if resp.status != 201:
                    raise SystemExit(f"unexpected {resp.status}: {await resp.text()}")
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    print(
        f"ingest, no subscribers: {total} summaries in {elapsed:.2f} s = {total / elapsed:.0f}/s "
        f"(concurrency {concurrency}); latency p50 {percentile(latencies, 50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms"
    )


async def add_subscriptions(db_path: Path, n: int) -> None:
    """Create n active subscriptions through the store (a second process on the same database)."""
    t0 = time.perf_counter()
    async with SqliteStore(str(db_path)) as store:
        # a platform no transport serves here: the rows stay queued, so the dispatcher's
        # sending does not compete with the measured ingests
        for i in range(n):
            await store.subscribe("bench", str(10_000_000 + i))
    print(f"created {n} subscriptions in {time.perf_counter() - t0:.1f} s")


async def fan_out(http: aiohttp.ClientSession, base: str, rounds: int) -> None:
    """Time single ingests that each enqueue one delivery per subscription."""
    times = []
    for r in range(rounds):
        t0 = time.perf_counter()
        async with http.post(f"{base}/v1/summaries", json=payload(r, prefix="fanout"), headers=HEADERS) as resp:
            await resp.read()
            if resp.status != 201:
                raise SystemExit(f"unexpected {resp.status}: {await resp.text()}")
        times.append(time.perf_counter() - t0)
    async with http.get(f"{base}/metrics") as resp:
        text = await resp.text()
    pending = next((ln.split()[-1] for ln in text.splitlines() if ln.startswith("strikebot_outbox_pending ")), "?")
    print(
        "ingest enqueuing 10,000 deliveries: "
        + ", ".join(f"{t * 1000:.0f} ms" for t in times)
        + f" (median {statistics.median(times) * 1000:.0f} ms); outbox pending now {pending}"
    )


async def bench(args: argparse.Namespace) -> None:
    """Start `strikebot run`, measure, stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        port = free_port()
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("STRIKEBOT_")
        } | {
            "STRIKEBOT_API_TOKEN": TOKEN,
            "STRIKEBOT_API_HOST": "127.0.0.1",
            "STRIKEBOT_API_PORT": str(port),
            "STRIKEBOT_SEED": "none",
            "STRIKEBOT_LOG_LEVEL": "WARNING",
        }
        cmd = [sys.executable, "-m", "bot", "run", "--db", f"sqlite:///{db_path}"]
        print("starting:", " ".join(cmd[1:]))
        proc = subprocess.Popen(
            cmd, env=env, cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        base = f"http://127.0.0.1:{port}"
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
            async with aiohttp.ClientSession(connector=connector) as http:
                await wait_healthy(http, base, proc)
                await throughput(http, base, min(200, args.requests), args.concurrency, "warm")
                await throughput(http, base, args.requests, args.concurrency, "bench")
                await throughput(http, base, min(1000, args.requests), 1, "serial")
                await add_subscriptions(db_path, args.subscriptions)
                await fan_out(http, base, args.fanout_rounds)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            if proc.returncode not in (0, -signal.SIGTERM):
                print(f"strikebot run exited with {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--fanout-rounds", type=int, default=3)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
