"""Fan-out benchmark: one alert to 10,000 Telegram chats through the fake Bot API (issue 4).

Mode "fast" (STRIKEBOT_TELEGRAM_RATE=0): messages/s from the ingest call to the
last sendMessage the fake saw, latency from ingest to the first one, peak RSS,
then the same 10,000 messages with Apprise pointed at the same fake and the ratio.
Mode "paced" (default 30/s, the fake answering 429 like Telegram): achieved rate
and the 429s provoked.

Targets: >= 2x Apprise, >= 1,000 msg/s, first message <= 200 ms, RSS <= 150 MB;
paced >= 95% of the limit with 0 429s.
Run: .venv/bin/python bench/fanout.py [--chats 10000] [--paced-chats 300] [--mode all|fast|paced|apprise]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from handlers.ingest import ingest_summary
from storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForStrikebotTests_0123456"
FIRST_CHAT = 100_000_000

SUMMARY = {
    "external_id": "bench/night-1",
    "source": "Ukrainian Air Force",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "regions": ["Kyiv", "Lviv"],
    "weapons": [
        {"model": "Shahed-136/131", "launched": 539, "destroyed": 268, "suppressed": 208},
        {"model": "Kh-101", "launched": 11, "destroyed": 7, "suppressed": 0},
    ],
    "hit_locations": 8,
    "debris_locations": 33,
    "injured": 23,
}


class FakeServer:
    """The fake Bot API in its own process (python -m tests.fakes.telegram_api)."""

    def __init__(self, *extra: str) -> None:
        """Arguments are passed to the fake's command line."""
        self.args = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0",
                     "--no-store", "--no-record", *extra]
        self.proc: subprocess.Popen[str] | None = None
        self.root = ""

    def __enter__(self) -> FakeServer:
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.root = self.proc.stdout.readline().strip()
        if not self.root.startswith("http"):
            raise SystemExit(f"fake Bot API did not start: {self.root!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)

    def stats(self) -> dict[str, Any]:
        """The fake's counters (GET /_fake/stats)."""
        with urllib.request.urlopen(f"{self.root}/_fake/stats", timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget counters (POST /_fake/reset)."""
        req = urllib.request.Request(f"{self.root}/_fake/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).close()


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(name: str, value: float, unit: str, target: str = "") -> None:
    """One figure, aligned."""
    print(f"  {name:<34} {value:>10,.1f} {unit:<6} {target}", flush=True)


async def fan_out(root: str, chats: int, rate: float, db_dir: Path) -> dict[str, float]:
    """Subscribe `chats` private chats, ingest one summary, wait for the fake to see every send."""
    from telegram import Bot

    from bot.transports.telegram.outbox import TelegramOutbox
    from bot.transports.telegram.request import AiohttpRequest

    os.environ.setdefault("PTB_TIMEDELTA", "1")
    db = db_dir / f"fanout-{rate:g}.db"
    async with SqliteStore(str(db)) as store:
        for i in range(chats):
            await store.subscribe("telegram", str(FIRST_CHAT + i))
        bot = Bot(TOKEN, base_url=f"{root}/bot", request=AiohttpRequest(connection_pool_size=128))
        await bot.initialize()
        config = replace(DispatcherConfig(), rates={"telegram": rate})
        dispatcher = Dispatcher(store, {"telegram": TelegramOutbox(bot)}, Renderers.from_handlers(), config)
        fake = FakeServer.__new__(FakeServer)
        fake.root = root
        await asyncio.to_thread(fake.reset)
        runner = asyncio.create_task(dispatcher.run())
        await asyncio.sleep(0.2)  # let the loop settle into its idle wait
        started = time.time()
        await ingest_summary(store, SUMMARY, notify=True)
        dispatcher.wake()
        polls = 0
        while True:
            stats = await asyncio.to_thread(fake.stats)
            if stats["send_message"] >= chats:
                break
            polls += 1
            # a row the fake refused never shows up as a send: stop once the outbox is empty
            # (asked rarely: the question competes with the dispatcher for the database)
            if polls % 20 == 0 and (await store.queue_stats(now=datetime.now(UTC))).pending == 0:
                stats = await asyncio.to_thread(fake.stats)
                break
            await asyncio.sleep(0.05)
        runner.cancel()
        try:
            await runner
        except asyncio.CancelledError:
            pass
        await bot.shutdown()
    first, last = stats["first_send_message_wall"] or started, stats["last_send_message_wall"] or started
    return {
        "sent": stats["send_message"],
        "rate": stats["send_message"] / max(1e-9, last - started),
        "first_ms": (first - started) * 1000,
        "span_rate": (stats["send_message"] - 1) / max(1e-9, stats["send_message_span_s"] or 1e-9),
        "throttled": stats["throttled_429"],
        "total_429": stats["total_429"],
    }


def apprise_fan_out(root: str, chats: int) -> dict[str, float]:
    """The same messages through Apprise's Telegram notifier, one URL per chat (it runs them in parallel)."""
    import apprise
    from apprise.plugins.telegram import NotifyTelegram

    NotifyTelegram.notify_url = f"{root}/bot"
    fake = FakeServer.__new__(FakeServer)
    fake.root = root
    fake.reset()
    app = apprise.Apprise()
    for i in range(chats):
        app.add(f"tgram://{TOKEN}/{FIRST_CHAT + i}/")
    started = time.time()
    app.notify(title="Strike summary", body="539 drones and 11 missiles launched; 483 neutralized")
    stats = fake.stats()
    last = stats["last_send_message_wall"] or started
    return {"sent": stats["send_message"], "rate": stats["send_message"] / max(1e-9, last - started)}


def main(argv: list[str] | None = None) -> None:
    """Run the selected modes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--paced-chats", type=int, default=300)
    parser.add_argument("--mode", choices=["all", "fast", "paced", "apprise"], default="all")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="strikebot-fanout-") as tmp:
        ours: dict[str, float] | None = None
        if args.mode in ("all", "fast", "apprise"):
            with FakeServer() as fake:
                if args.mode != "apprise":
                    print(f"fan-out to {args.chats:,} chats, STRIKEBOT_TELEGRAM_RATE=0")
                    ours = asyncio.run(fan_out(fake.root, args.chats, 0.0, Path(tmp)))
                    rss = peak_rss_mb()
                    line("sendMessage delivered", ours["sent"], "msgs", f"of {args.chats:,}")
                    line("ingest → last sendMessage", ours["rate"], "msg/s", "target >= 1,000")
                    line("ingest → first sendMessage", ours["first_ms"], "ms", "target <= 200")
                    line("peak RSS (bot process)", rss, "MB", "target <= 150")
                if args.mode in ("all", "apprise"):
                    print(f"Apprise {_apprise_version()} to the same fake, {args.chats:,} chats")
                    theirs = apprise_fan_out(fake.root, args.chats)
                    line("Apprise sendMessage delivered", theirs["sent"], "msgs")
                    line("Apprise messages/s", theirs["rate"], "msg/s")
                    if ours is not None:
                        line("strikebot / Apprise", ours["rate"] / max(1e-9, theirs["rate"]), "x",
                             "target >= 2")
        if args.mode in ("all", "paced"):
            with FakeServer("--enforce-limits", "--global-rate", "30") as fake:
                print(f"paced fan-out to {args.paced_chats:,} chats at 30/s (fake enforces Telegram limits)")
                paced = asyncio.run(fan_out(fake.root, args.paced_chats, 30.0, Path(tmp)))
                line("sendMessage delivered", paced["sent"], "msgs", f"of {args.paced_chats:,}")
                line("achieved rate (first → last send)", paced["span_rate"], "msg/s",
                     f"{paced['span_rate'] / 30:.1%} of 30; target >= 95%")
                line("429 answers provoked", paced["total_429"], "", "target 0")


def _apprise_version() -> str:
    import apprise

    return str(apprise.__version__)


if __name__ == "__main__":
    main()
