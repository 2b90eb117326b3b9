"""Instructions the bot executes per message, counted by valgrind: a figure host noise cannot move (issue 15).

On the 2-core machines this project is measured on, the same fan-out ran ±20 % faster or
slower from one run to the next. An instruction count does not move like that, so a change
to the hot path can be judged by it when timings cannot. Two workloads, each a child process
run under `valgrind --tool=cachegrind --cache-sim=no`, on SQLite:
  - store: --chats subscriptions; each round ingests one alert, expands the fan-out, claims
    every row (claims of 400) and records them sent (results in batches of 20), in turn;
  - dispatcher: --chats subscriptions; each round ingests one alert and the Dispatcher,
    with the fan-out expander beside it, sends it to every chat through a transport that
    answers at once: the dispatcher and the store, without the platform's HTTP.
Each workload runs with 1 round and with 1 + --rounds rounds; the difference, divided by
the extra rows, is the cost of a round per row: start-up and the subscriptions cancel out.
What the count leaves out: the kernel (system calls, context switches), waiting for locks,
and how fast the instructions run (cache misses), so it is a guide to a change, not to a rate.

Run: .venv/bin/python bench/instructions.py [--chats 1000] [--rounds 2] [--only store,dispatcher]
Prints a skip line when valgrind is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.contenders import FIRST_CHAT, SUMMARY

CLAIM_BATCH = 400
RESULT_BATCH = 20
# Telegram's per-chat window (1 s) and its margin (bot/delivery/ratelimit.py CHAT_MARGIN), and a little more
CHAT_PAUSE = 1.3
WORKLOADS = ("store", "dispatcher")


def _alert(round_no: int) -> dict[str, Any]:
    """The bench's alert under an external id of its own for each round (a new report, not a correction)."""
    return {**SUMMARY, "external_id": f"bench/instructions-{round_no}"}


async def store_rounds(db: Path, chats: int, rounds: int) -> None:
    """Ingest, expand, claim and record as sent, `rounds` times, one step after another."""
    from bot.delivery.expansion import FanoutExpander
    from handlers.ingest import ingest_summary
    from storage.models import DeliveryStatus
    from storage.outbox import DeliveryResult
    from storage.sqlite import SqliteStore

    async with SqliteStore(str(db)) as store:
        for i in range(chats):
            await store.subscribe("telegram", str(FIRST_CHAT + i))
        expander = FanoutExpander(store, chunk=5000, wake_dispatcher=lambda: None, poll_interval=1.0)
        for round_no in range(rounds):
            await ingest_summary(store, _alert(round_no), notify=True)
            while await expander.run_once():
                pass
            while jobs := await store.claim_deliveries(
                now=datetime.now(UTC), limit=CLAIM_BATCH, lease_seconds=60, holder="bench"
            ):
                results = [
                    DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.SENT,
                                   platform_message_id=str(job.delivery.id), message_revision=1, follow_up=False)
                    for job in jobs
                ]
                for start in range(0, len(results), RESULT_BATCH):
                    await store.finish_deliveries(results[start:start + RESULT_BATCH], holder="bench")


class AnsweringTransport:
    """A Telegram-rendering transport whose every send succeeds at once (one turn of the loop)."""

    platform = "telegram"

    def __init__(self) -> None:
        self.sent = 0
        self.all_sent = asyncio.Event()
        self.expected = 0

    def render(self, message: Any) -> Any:
        """The real Telegram rendering: it runs once per content, as in a fan-out."""
        from bot.transports.telegram.render import render

        return render(message)

    async def send(self, target: Any, rendered: Any, *, reply_to: str | None = None) -> Any:
        """Count the send and answer with a message id."""
        from bot.transports.base import Outcome, SendResult

        await asyncio.sleep(0)
        self.sent += 1
        if self.sent >= self.expected:
            self.all_sent.set()
        return SendResult(Outcome.OK, message_id=str(self.sent))

    async def edit(self, target: Any, message_id: str, rendered: Any) -> Any:
        """Not used: every round is a new alert."""
        raise AssertionError("no edits in this workload")


async def dispatcher_rounds(db: Path, chats: int, rounds: int, *, default_gc: bool = False) -> None:
    """One alert to every chat per round, through the Dispatcher and the fan-out expander."""
    from bot.delivery import Dispatcher, DispatcherConfig, Renderers
    from bot.delivery.expansion import FanoutExpander
    from bot.heap import steady_heap
    from handlers.ingest import ingest_summary
    from storage.sqlite import SqliteStore

    async with SqliteStore(str(db)) as store:
        for i in range(chats):
            await store.subscribe("telegram", str(FIRST_CHAT + i))
        transport = AnsweringTransport()
        # the overall cap off, Telegram's per-chat windows on, as in bench/fanout.py
        config = replace(DispatcherConfig(), rates={"telegram": 0.0})
        wakeup = asyncio.Event()
        expander = FanoutExpander(store, chunk=config.fanout_chunk, wake_dispatcher=wakeup.set,
                                  poll_interval=config.poll_interval)
        dispatcher = Dispatcher(store, {"telegram": transport}, Renderers.from_handlers(), config,
                                wakeup=wakeup, on_claim=expander.claimed)
        # the collector as `strikebot run` sets it once started (bot/heap.py), unless asked not to
        heap = contextlib.nullcontext() if default_gc else steady_heap()
        with heap:
            tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(expander.run())]
            try:
                for round_no in range(rounds):
                    transport.expected += chats
                    transport.all_sent.clear()
                    await ingest_summary(store, _alert(round_no), notify=True)
                    dispatcher.wake()
                    expander.wake()
                    await asyncio.wait_for(transport.all_sent.wait(), timeout=600)
                    # the last results are written before the next round starts
                    while (await store.queue_stats(now=datetime.now(UTC))).pending:
                        await asyncio.sleep(0.01)
                    # past every chat's 1-per-second window: the next round is sent at once, not deferred
                    await asyncio.sleep(CHAT_PAUSE)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


def run_child(workload: str, chats: int, rounds: int, default_gc: bool) -> None:
    """Child process: run one workload in a temporary database."""
    with tempfile.TemporaryDirectory(prefix="strikebot-instructions-") as tmp:
        db = Path(tmp) / "bot.db"
        if workload == "store":
            asyncio.run(store_rounds(db, chats, rounds))
        else:
            asyncio.run(dispatcher_rounds(db, chats, rounds, default_gc=default_gc))


def counted(valgrind: str, workload: str, chats: int, rounds: int, default_gc: bool = False) -> int:
    """Instructions the child executed (all its threads), as cachegrind reports them."""
    cmd = [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, str(Path(__file__).resolve()), "--child", workload,
           "--chats", str(chats), "--rounds", str(rounds)]
    if default_gc:
        cmd.append("--default-gc")
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    match = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if match is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> None:
    """Count each workload at two sizes and print the instructions a row."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="extra rounds counted (beyond the first)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated: store, dispatcher")
    parser.add_argument("--default-gc", action="store_true",
                        help="dispatcher workload with CPython's default collector settings, not bot/heap.py's")
    parser.add_argument("--child", choices=WORKLOADS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.chats, args.rounds, args.default_gc)
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("skipped: valgrind is not installed (Debian: apt install valgrind)")
        return
    print(f"instructions per row of a round, {args.chats:,} chats, "
          f"{1 + args.rounds} rounds minus 1 (valgrind cachegrind)", flush=True)
    for workload in args.only.split(","):
        one = counted(valgrind, workload, args.chats, 1, args.default_gc)
        more = counted(valgrind, workload, args.chats, 1 + args.rounds, args.default_gc)
        per_row = (more - one) / (args.rounds * args.chats)
        print(f"  {workload:<12} {per_row:>12,.0f} instructions a row", flush=True)


if __name__ == "__main__":
    main()
