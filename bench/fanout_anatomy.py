"""Where a fan-out's time goes inside the bot (issue 15): threads, workers, claims and result writes.

Runs the bot contender of bench/fanout.py (bench/contenders.py; SQLite, limits off) once against the fake Bot API
and prints, for the fan-out from the ingest to the last send:
  - CPU seconds of each thread of the process (the main thread, SQLite's, others) and the wall time;
  - what the dispatcher's workers were doing, sampled every millisecond while there is work:
    on the wire (in the platform call), waiting for their result to be stored, or neither
    (waiting for work, or between those steps), and the jobs queued for them, also split by
    whether a claim was under way (it holds SQLite's one connection, so no result is stored meanwhile);
    and how late the sampler woke (how long the event loop's turns were);
  - claims: how many, how long from the claim to its jobs, how many jobs were queued at its start;
  - the store's calls behind claims and result writes, with their wall time.
The timings wrap the project's own classes (Dispatcher, ResultWriter, SqliteOutbox), not the
libraries'. A guide to where the waiting is, not a rate: the sampler and the wrappers cost a
little CPU themselves.

Run: .venv/bin/python bench/fanout_anatomy.py [--chats 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import contenders
from bench.fake_bot_api import FakeServer

TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu() -> dict[str, tuple[str, float]]:
    """CPU seconds (user + system) of each thread of this process, by thread id: (name, seconds)."""
    threads = {}
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/stat") as stat, open(f"/proc/self/task/{tid}/comm") as comm:
            fields = stat.read().rsplit(")", 1)[1].split()
            threads[tid] = (comm.read().strip(), (int(fields[11]) + int(fields[12])) / TICK)
    return threads


class Anatomy:
    """The counters the wrappers keep while the fan-out runs."""

    def __init__(self) -> None:
        self.state: Counter[str] = Counter()
        self.samples: list[tuple[float, int, int, int, bool]] = []
        self.claims: list[tuple[float, int, int]] = []
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.recording = False
        self.queue: asyncio.Queue[Any] | None = None

    def timed(self, cls: type, name: str) -> None:
        """Time every call of the coroutine method `cls.name` while recording."""
        original: Callable[..., Awaitable[Any]] = getattr(cls, name)

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                if self.recording:
                    self.calls[f"{cls.__name__}.{name}"].append(time.perf_counter() - started)

        setattr(cls, name, wrapper)

    def counted(self, cls: type, name: str, state: str) -> None:
        """Count the callers inside the coroutine method `cls.name` as being in `state`."""
        original: Callable[..., Awaitable[Any]] = getattr(cls, name)

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.state[state] += 1
            try:
                return await original(*args, **kwargs)
            finally:
                self.state[state] -= 1

        setattr(cls, name, wrapper)

    def install(self) -> None:
        """Wrap the dispatcher's and the store's methods of interest."""
        from bot.delivery.dispatcher import Dispatcher
        from bot.delivery.results import ResultWriter
        from storage.sqlite.deliveries import SqliteOutbox

        self.counted(Dispatcher, "_call", "wire")
        self.counted(ResultWriter, "put", "store")
        original_claim = Dispatcher._claim

        async def claim(dispatcher: Dispatcher, queued: int, now: Any = None) -> Any:
            started = time.perf_counter()
            self.state["claim"] += 1
            try:
                jobs = await original_claim(dispatcher, queued, now)
            finally:
                self.state["claim"] -= 1
            if self.recording:
                self.claims.append((time.perf_counter() - started, queued, len(jobs)))
            return jobs

        Dispatcher._claim = claim  # type: ignore[method-assign]
        original_worker = Dispatcher._worker

        async def worker(dispatcher: Dispatcher, queue: asyncio.Queue[Any], *args: Any) -> None:
            self.queue = queue
            await original_worker(dispatcher, queue, *args)

        Dispatcher._worker = worker  # type: ignore[method-assign]
        for name in ("claim", "subscriptions", "summaries", "finish"):
            self.timed(SqliteOutbox, name)

    async def sample(self, stop: asyncio.Event) -> None:
        """Every millisecond: how late this woke, the workers on the wire and waiting for the store, and whether a claim runs."""
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            queued = self.queue.qsize() if self.queue is not None else 0
            # only while there is work: not the bench's settling before the ingest, nor after the last send
            if queued or self.state["wire"] or self.state["store"]:
                self.samples.append((now - last, self.state["wire"], self.state["store"], queued, self.state["claim"] > 0))
            last = now


def _ms(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


def run(chats: int) -> None:
    """One bot fan-out to `chats` chats, measured from the inside."""
    anatomy = Anatomy()
    anatomy.install()
    send_and_wait = contenders._send_and_wait
    threads: dict[str, Any] = {}

    async def measured(*args: Any, **kwargs: Any) -> Any:
        stop = asyncio.Event()
        sampler = asyncio.create_task(anatomy.sample(stop))
        before, wall = thread_cpu(), time.perf_counter()
        anatomy.recording = True
        try:
            return await send_and_wait(*args, **kwargs)
        finally:
            anatomy.recording = False
            after = thread_cpu()
            threads["wall"] = time.perf_counter() - wall
            threads["cpu"] = {tid: (name, cpu - before.get(tid, (name, 0.0))[1]) for tid, (name, cpu) in after.items()}
            stop.set()
            await sampler

    contenders._send_and_wait = measured
    with FakeServer() as fake, tempfile.TemporaryDirectory(prefix="strikebot-anatomy-") as tmp:
        result = asyncio.run(contenders.bot_fan_out(fake.root, chats, 0.0, False, Path(tmp)))
    print(f"fan-out to {chats:,} chats, limits off: {result['rate']:,.0f} msg/s, ingest → first send "
          f"{result['first_ms']:.0f} ms")
    main_tid = str(os.getpid())
    print(f"  wall from the ingest until the bench saw the last send: {threads['wall']:.2f} s")
    for tid, (name, cpu) in sorted(threads["cpu"].items(), key=lambda kv: -kv[1][1]):
        if cpu > 0:
            label = "main thread" if tid == main_tid else f"thread {tid} ({name})"
            print(f"  CPU {label:<34} {cpu:6.2f} s")
    lag = [s[0] for s in anatomy.samples]
    if lag:
        print(f"  event loop: the 1 ms sampler woke {statistics.median(lag) * 1000:.2f} ms apart (median), "
              f"{_ms(lag, 0.9):.1f} ms (90th percentile), {max(lag) * 1000:.1f} ms at most")
        wire = statistics.mean(s[1] for s in anatomy.samples)
        store = statistics.mean(s[2] for s in anatomy.samples)
        print(f"  workers (of {contenders.CONCURRENCY}), on average: {wire:.1f} on the wire, {store:.1f} waiting "
              f"for their result to be stored, {contenders.CONCURRENCY - wire - store:.1f} neither (waiting for work or between steps)")
        empty = sum(1 for s in anatomy.samples if s[3] == 0) / len(anatomy.samples)
        print(f"  jobs queued for the workers: {statistics.median(s[3] for s in anatomy.samples):.0f} (median); "
              f"none in {empty:.0%} of the samples")
        # a claim and the result writes share SQLite's one connection: while it runs, no result is stored
        for label, claiming in (("while a claim runs", True), ("otherwise", False)):
            part = [s for s in anatomy.samples if s[4] is claiming]
            if part:
                idle = sum(1 for s in part if s[1] == 0) / len(part)
                print(f"  {label:<19} {len(part) / len(anatomy.samples):4.0%} of the samples: "
                      f"{statistics.mean(s[1] for s in part):4.1f} workers on the wire, "
                      f"{statistics.mean(s[2] for s in part):4.1f} waiting for the store, none on the wire in {idle:.0%}")
    if anatomy.claims:
        took = [c[0] for c in anatomy.claims]
        print(f"  claims: {len(took)}, {statistics.median(c[2] for c in anatomy.claims):.0f} rows (median), "
              f"{statistics.median(took) * 1000:.1f} ms from the claim to its jobs (median; {max(took) * 1000:.1f} at "
              f"most), {statistics.median(c[1] for c in anatomy.claims):.0f} jobs still queued at its start")
    for name, times in sorted(anatomy.calls.items()):
        print(f"  {name:<28} {len(times):5d} calls, {statistics.median(times) * 1000:6.2f} ms median, "
              f"{_ms(times, 0.9):6.2f} ms 90th percentile, {sum(times):5.2f} s in all")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and measure one fan-out."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=10_000)
    run(parser.parse_args(argv).chats)


if __name__ == "__main__":
    main()
