"""100,000 subscriptions on SQLite and PostgreSQL (issue 15).

For each backend: 100,000 active Telegram subscriptions, then
  - one live ingest: the call itself (it queues the first --first-chunk chats and leaves the rest
    to the fan-out expander), target <= 1 s, and the time until all of them are queued (the
    expansion in chunks of --chunk run right after it, as the bot's expander does);
  - the outbox grown to 1,000,000 sent rows plus the 100,000 pending ones, then the store
    reads behind /status (subscription_counts + queue_stats), `strikebot status` (+ count_summaries)
    and /metrics (+ source_states), each the median of repeated runs, target <= 50 ms;
  - the fan-out of those 100,000 rows by the dispatcher to the fake Bot API (limits off), in a
    process of its own, with the expander beside it: ingest → first sendMessage (target <= 200 ms),
    ingest → every row queued, and the peak RSS of that
    process while it sends (target <= 200 MB), for --fanout-seconds (by default 0: the whole
    fan-out, since the per-chat rate windows of every chat sent to stay for two minutes;
    none with a negative value).

Run: .venv/bin/python bench/scale.py [--subscriptions 100000] [--sent-rows 1000000]
     [--backend all|sqlite|postgres] [--url postgresql://postgres@127.0.0.1:5432/postgres]
     [--fanout-seconds 0] [--first-chunk 500] [--chunk 5000]
PostgreSQL parts are skipped when no server answers at --url.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (str(ROOT), str(ROOT / "bench")):
    if path not in sys.path:
        sys.path.insert(0, path)

from fake_bot_api import TOKEN, FakeServer
from fanout import POOL
from scale_backends import Backend, SqliteBackend, postgres

from handlers.ingest import ingest_summary
from storage.fanout import CHUNK, FIRST_CHUNK
from storage.figures import LIVE_BELOW, REFRESH_EVERY
from storage.protocol import Store

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# broadcasts past the prune's cut-off when it runs (each one was a full read of the outbox before v17)
OLD_BROADCASTS = 20


def summary(n: int) -> dict[str, Any]:
    """A valid live summary, one night per n."""
    day = 1 + n % 28
    month = 1 + n // 28
    return {
        "external_id": f"scale/night-{n}",
        "source": "Ukrainian Air Force",
        "period_start": f"2025-{month:02d}-{day:02d}T18:00:00+03:00",
        "period_end": f"2025-{month:02d}-{day:02d}T23:00:00+03:00",
        "regions": ["Kyiv"],
        "weapons": [{"model": "Shahed-136/131", "launched": 100 + n, "destroyed": 90, "suppressed": 5}],
    }


def line(name: str, value: float, unit: str, target: str = "") -> None:
    """One figure, aligned."""
    print(f"  {name:<52} {value:>10,.1f} {unit:<4} {target}", flush=True)


async def median_ms(call: Callable[[], Awaitable[object]], runs: int = 9) -> float:
    """Median wall time of `call` in milliseconds (one warm-up run first)."""
    await call()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


# --- figures -------------------------------------------------------------------------------

async def expand_all(store: Store, chunk: int) -> int:
    """Queue what the ingest left for the expander, as the bot's FanoutExpander does: the rows queued."""
    total = 0
    while queued := await store.continue_fanout(chunk, datetime.now(UTC)):
        total += queued
    return total


async def bench_backend(
    backend: Backend, subs: int, sent_rows: int, fanout_seconds: float, chunk: int = CHUNK
) -> None:
    """Every figure of one backend."""
    print(f"{backend.name}: {subs:,} subscriptions", flush=True)
    async with backend.store() as store:
        pass  # migrations
    t = time.perf_counter()
    await backend.subscribe_all(subs)
    print(f"  (set-up: {subs:,} subscriptions in {time.perf_counter() - t:.1f} s)", flush=True)
    async with backend.store() as store:
        t = time.perf_counter()
        outcome = await ingest_summary(store, summary(0), notify=True)
        took = time.perf_counter() - t
        await expand_all(store, chunk)
        queued_all = time.perf_counter() - t
        line(f"ingest call, {outcome.deliveries:,} chats to alert", took * 1000, "ms", "target <= 1,000")
        line(f"ingest → all {outcome.deliveries:,} rows queued", queued_all * 1000, "ms")
    rounds = max(0, sent_rows // subs)
    t = time.perf_counter()
    for n in range(rounds):
        await backend.mark_sent()
        async with backend.store() as store:
            t_ingest = time.perf_counter()
            outcome = await ingest_summary(store, summary(n + 1), notify=True)
            took = time.perf_counter() - t_ingest
            await expand_all(store, chunk)
            queued_all = time.perf_counter() - t_ingest
    await backend.sql("ANALYZE")
    print(f"  (set-up: outbox of {rounds * subs:,} sent + {outcome.deliveries:,} pending rows "
          f"in {time.perf_counter() - t:.1f} s)", flush=True)
    await backend.add_old_broadcasts(OLD_BROADCASTS)
    async with backend.store() as store:
        # the bot's housekeeping (every minute) merges the tallies into one row per minute
        # and deletes the broadcasts past the cut-off, each looked up in the whole outbox
        t = time.perf_counter()
        await store.prune_deliveries(before=datetime.now(UTC) - timedelta(days=7))
        line(f"outbox prune, {OLD_BROADCASTS} old broadcasts, tallies", (time.perf_counter() - t) * 1000, "ms",
             "write lock held meanwhile")
        now = datetime.now(UTC)
        line(f"ingest call, {rounds} earlier ingests", took * 1000, "ms", "target <= 1,000")
        line(f"ingest → all {outcome.deliveries:,} rows queued, {rounds} earlier ingests", queued_all * 1000, "ms")

        async def counting() -> None:
            await store.subscription_counts(), await store.queue_stats(now=now), await store.count_summaries()

        async def status() -> None:
            # what /status and /metrics read: the figures (the bot's snapshot while counting is
            # slow and the snapshot fresh) and the followed sources; `strikebot status` the figures
            await store.outbox_figures(now=now), await store.source_states()

        queue = await store.queue_stats(now=now)
        print(f"  (queue: {queue.pending:,} pending, {queue.sent_24h:,} sent in 24 h)")
        line("counting the figures live (median of 9)", await median_ms(counting), "ms",
             f"the bot does it every {REFRESH_EVERY:.0f} s")
        figures = await store.refresh_outbox_figures(now=now)
        slow = figures.count_seconds >= LIVE_BELOW
        print(f"  (counting took {figures.count_seconds * 1000:.0f} ms: readers "
              + ("take the snapshot)" if slow else "count live, as they do below 25 ms)"))
        line("/status and /metrics store reads", await median_ms(status), "ms", "target <= 50")
        line("`strikebot status` store reads", await median_ms(partial(store.outbox_figures, now=now)), "ms",
             "target <= 50")
    if fanout_seconds < 0:
        return
    # the fan-out starts from an outbox of sent rows only, so its first message is the new alert's
    await backend.mark_sent()
    with FakeServer("--no-store", "--no-record") as fake:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--fanout-child", backend.fanout_url(),
               "--root", fake.root, "--fanout-seconds", str(fanout_seconds), "--summary", str(rounds + 1),
               "--first-chunk", str(backend.first_chunk), "--chunk", str(chunk)]
        out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    line(f"fan-out: ingest call, {result['queued']:,} chats", result["ingest_ms"], "ms", "target <= 1,000")
    line("fan-out: ingest → first sendMessage", result["first_ms"], "ms", "target <= 200")
    line("fan-out: ingest → all rows queued (while sending)", result["queued_ms"], "ms")
    line(f"fan-out: sent in {result['seconds']:.0f} s", result["sent"], "msgs", f"{result['rate']:,.0f} msg/s")
    line("fan-out: peak RSS of the bot process", result["rss_mb"], "MB", "target <= 200")


async def fanout_child(url: str, root: str, seconds: float, n: int, first_chunk: int, chunk: int) -> dict[str, float]:
    """The dispatcher and the expander alone in this process: ingest one summary, send for `seconds` (0: all)."""
    from telegram import Bot

    from bot.delivery import Dispatcher, DispatcherConfig, Renderers
    from bot.delivery.expansion import FanoutExpander
    from bot.heap import steady_heap
    from bot.transports.telegram.outbox import TelegramOutbox
    from bot.transports.telegram.request import AiohttpRequest
    from storage import catalog
    from storage.factory import open_store

    fake = FakeServer.at(root)
    async with open_store(url, first_chunk=first_chunk) as store:
        # the set-up left the earlier rows sent; the fresh ingest below queues every chat again
        bot = Bot(TOKEN, base_url=f"{root}/bot", request=AiohttpRequest(connection_pool_size=POOL))
        await bot.initialize()
        config = replace(DispatcherConfig(), rates={"telegram": 0.0})
        wakeup = asyncio.Event()
        expander = FanoutExpander(store, chunk=chunk, wake_dispatcher=wakeup.set)
        dispatcher = Dispatcher(store, {"telegram": TelegramOutbox(bot)}, Renderers.from_handlers(), config,
                                wakeup=wakeup, on_claim=expander.claimed)
        # the catalogs and the collector as `strikebot run` sets them once started (bot/heap.py)
        catalog.load()
        with steady_heap():
            pending = (await store.queue_stats(now=datetime.now(UTC))).pending
            await asyncio.to_thread(fake.reset)
            runner = asyncio.create_task(dispatcher.run())
            await asyncio.sleep(0.2)
            started = time.time()
            outcome = await ingest_summary(store, summary(n), notify=True)
            ingest_ms = (time.time() - started) * 1000
            # as the bot's ingest wakes both; here the expander's one pass is all there is
            dispatcher.wake()
            expander.wake()
            queued_at: list[float] = []
            expanding = asyncio.create_task(expander.run_once(head_start=expander.head_start))
            expanding.add_done_callback(lambda task: task.cancelled() or queued_at.append(time.time()))
            total = outcome.deliveries + pending
            while True:
                stats = await asyncio.to_thread(fake.stats)
                elapsed = time.time() - started
                if stats["send_message"] >= total or (seconds and elapsed >= seconds):
                    break
                await asyncio.sleep(0.2)
            for task in (runner, expanding):
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        await bot.shutdown()
    first = stats["first_send_message_wall"] or started
    last = stats["last_send_message_wall"] or started
    return {
        "queued": outcome.deliveries,
        "ingest_ms": ingest_ms,
        "first_ms": (first - started) * 1000,
        # NaN: the expansion was still running when the measured time was over
        "queued_ms": (queued_at[0] - started) * 1000 if queued_at else float("nan"),
        "sent": stats["send_message"],
        "seconds": last - started,
        "rate": stats["send_message"] / max(1e-9, last - started),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def run(args: argparse.Namespace) -> None:
    """Every selected backend in turn."""
    if args.backend in ("all", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="strikebot-scale-") as tmp:
            sqlite_backend = SqliteBackend(Path(tmp))
            sqlite_backend.first_chunk = args.first_chunk
            await bench_backend(sqlite_backend, args.subscriptions, args.sent_rows, args.fanout_seconds, args.chunk)
    if args.backend in ("all", "postgres"):
        async with postgres(args.url) as backend:
            if backend is not None:
                backend.first_chunk = args.first_chunk
                await bench_backend(backend, args.subscriptions, args.sent_rows, args.fanout_seconds, args.chunk)


def main(argv: list[str] | None = None) -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--sent-rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["all", "sqlite", "postgres"], default="all")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--fanout-seconds", type=float, default=0.0)
    # DELIVERY_FANOUT_FIRST_CHUNK and DELIVERY_FANOUT_CHUNK; a first chunk over --subscriptions
    # queues every row inside the ingest, as before the expander existed
    parser.add_argument("--first-chunk", type=int, default=FIRST_CHUNK)
    parser.add_argument("--chunk", type=int, default=CHUNK)
    # internal: the fan-out in a process of its own
    parser.add_argument("--fanout-child", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--summary", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fanout_child:
        result = asyncio.run(
            fanout_child(args.fanout_child, args.root, args.fanout_seconds, args.summary, args.first_chunk, args.chunk)
        )
        print(json.dumps(result), flush=True)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
