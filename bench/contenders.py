"""The senders bench/fanout.py compares, each run in a process of its own, and the figures each reports.

- the bot: subscriptions in SQLite, one ingest, the dispatcher sending through
  python-telegram-bot, as `strikebot run` wires them;
- bare: an aiohttp client POSTing the bot's sendMessage body to every chat with
  the same concurrency, the most a Python sender reaches on this machine;
- Apprise (NotifyTelegram), one URL per chat.
Each returns its figures as a dict (`figures`): msg/s from its start to the
fake's last send, the first send, the start of the fan-out and the rate after
it, 429s, CPU seconds per 1,000 sent and peak RSS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.fake_bot_api import TOKEN, FakeServer

FIRST_CHAT = 100_000_000
# the dispatcher's default concurrency and the bench's connection pool, shared by the bare client
CONCURRENCY = 64
POOL = 128

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


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# the start of a fan-out, for the split below: sends up to this one (or a quarter of them, if fewer)
START_SENDS = 500


def split(times: list[float], started: float) -> tuple[float, float]:
    """Milliseconds from the start to the START_SENDS-th send, and the rate from there to the last send.

    A fan-out's fixed costs (the ingest, the first claims and the first chunk's
    expansion, connections opened at once) weigh on 2,000 chats five times as
    much as on 10,000; this tells them apart from the rate held once running.
    Both are read off the fake's arrival times, nothing extrapolated.
    """
    times = sorted(times)
    k = min(START_SENDS, len(times) // 4)
    if k < 1 or times[-1] <= times[k - 1]:
        return 0.0, 0.0
    return (times[k - 1] - started) * 1000, (len(times) - k) / (times[-1] - times[k - 1])


def figures(stats: dict[str, Any], started: float, cpu: float, times: list[float]) -> dict[str, float]:
    sent = stats["send_message"]
    first = stats["first_send_message_wall"] or started
    last = stats["last_send_message_wall"] or started
    start_ms, rest_rate = split(times, started)
    return {
        "sent": sent,
        "rate": sent / max(1e-9, last - started),
        "start_ms": start_ms,
        "rest_rate": rest_rate,
        "first_ms": (first - started) * 1000,
        "span_rate": (sent - 1) / max(1e-9, stats["send_message_span_s"] or 1e-9),
        "throttled": stats["throttled_429"],
        "total_429": stats["total_429"],
        "cpu_per_1000": cpu / max(1, sent) * 1000,
        "rss_mb": peak_rss_mb(),
    }



async def bot_fan_out(
    root: str, chats: int, rate: float, paid: bool, db_dir: Path, *, default_gc: bool = False
) -> dict[str, float]:
    """Subscribe `chats` private chats, ingest one summary, wait for the fake to see every send."""
    from telegram import Bot

    from bot.delivery import Dispatcher, DispatcherConfig, Renderers
    from bot.delivery.config import PAID_ROUND_TRIP
    from bot.delivery.expansion import FanoutExpander
    from bot.heap import steady_heap
    from bot.transports.telegram.outbox import TelegramOutbox
    from bot.transports.telegram.request import AiohttpRequest
    from storage import catalog
    from storage.sqlite import SqliteStore

    os.environ.setdefault("PTB_TIMEDELTA", "1")
    fake = FakeServer.at(root)
    async with SqliteStore(str(db_dir / "fanout.db")) as store:
        for i in range(chats):
            await store.subscribe("telegram", str(FIRST_CHAT + i))
        bot = Bot(TOKEN, base_url=f"{root}/bot", request=AiohttpRequest(connection_pool_size=POOL))
        await bot.initialize()
        # paid broadcasts get the concurrency `strikebot run` gives them (bot.delivery.config)
        concurrency = round(rate * PAID_ROUND_TRIP) if paid else CONCURRENCY
        config = replace(DispatcherConfig(), rates={"telegram": rate}, concurrency=concurrency)
        outbox = TelegramOutbox(bot, paid_broadcast=paid)
        # as `strikebot run` wires them: the expander queues the chats past the ingest's first chunk
        wakeup = asyncio.Event()
        expander = FanoutExpander(store, chunk=config.fanout_chunk, wake_dispatcher=wakeup.set,
                                  poll_interval=config.poll_interval)
        dispatcher = Dispatcher(store, {"telegram": outbox}, Renderers.from_handlers(), config,
                                wakeup=wakeup, on_claim=expander.claimed)
        # the catalogs and the collector as `strikebot run` sets them once started (bot/heap.py), unless asked not to
        catalog.load()
        with contextlib.nullcontext() if default_gc else steady_heap():
            stats, started, cpu = await _send_and_wait(store, dispatcher, expander, fake, chats)
        await bot.shutdown()
    return figures(stats, started, cpu, await asyncio.to_thread(fake.send_times))


async def _send_and_wait(
    store: Any, dispatcher: Any, expander: Any, fake: FakeServer, chats: int
) -> tuple[dict[str, Any], float, float]:
    """Ingest SUMMARY and wait for the fake to see every send: its counters, the start time, CPU seconds."""
    from handlers.ingest import ingest_summary

    await asyncio.to_thread(fake.reset)
    runner = asyncio.create_task(dispatcher.run())
    expanding = asyncio.create_task(expander.run())
    await asyncio.sleep(0.2)  # let the loop settle into its idle wait
    started, cpu0 = time.time(), time.process_time()
    await ingest_summary(store, SUMMARY, notify=True)
    dispatcher.wake()
    expander.wake()
    polls = 0
    while True:
        stats = await asyncio.to_thread(fake.stats)
        if stats["send_message"] >= chats:
            break
        polls += 1
        # a row the fake refused never shows up as a send: stop once the outbox is empty
        # (asked rarely: the question competes with the dispatcher for the database)
        if polls % 8 == 0 and (await store.queue_stats(now=datetime.now(UTC))).pending == 0:
            stats = await asyncio.to_thread(fake.stats)
            break
        # the end is the fake's time of the last send, so asking rarely costs no precision;
        # asking often would charge the bench's own HTTP calls to the bot's CPU
        await asyncio.sleep(0.25)
    cpu = time.process_time() - cpu0
    for task in (runner, expanding):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return stats, started, cpu


async def _one_rendered_body(db_dir: Path) -> dict[str, str]:
    """The sendMessage form fields the bot sends for SUMMARY (rendered by the bot's own code)."""
    from bot.delivery import Renderers
    from bot.delivery.plan import Plan, plan_job
    from bot.delivery.render import RenderCache
    from bot.transports.telegram.outbox import TelegramOutbox
    from handlers.ingest import ingest_summary
    from storage.sqlite import SqliteStore

    async with SqliteStore(str(db_dir / "render.db")) as store:
        await store.subscribe("telegram", str(FIRST_CHAT))
        await ingest_summary(store, SUMMARY, notify=True)
        (job,) = await store.claim_deliveries(now=datetime.now(UTC), limit=1, lease_seconds=60)
    outbox = TelegramOutbox.__new__(TelegramOutbox)
    plan = plan_job(job, outbox, Renderers.from_handlers(), RenderCache(), DISPATCH_TZ(), now=datetime.now(UTC))
    assert isinstance(plan, Plan)
    payload = plan.payload
    body = {"text": payload.text, "parse_mode": payload.parse_mode,
            "link_preview_options": json.dumps({"is_disabled": True}), "disable_notification": "false"}
    if payload.reply_markup is not None:
        body["reply_markup"] = payload.reply_markup.to_json()
    return body


def DISPATCH_TZ() -> Any:
    """The dispatcher's default time zone."""
    from bot.delivery import DispatcherConfig

    return DispatcherConfig().timezone


async def bare_fan_out(root: str, chats: int, db_dir: Path) -> dict[str, float]:
    """POST the bot's sendMessage body to every chat with plain aiohttp, CONCURRENCY at a time."""
    import aiohttp

    body = await _one_rendered_body(db_dir)
    fake = FakeServer.at(root)
    url = f"{root}/bot{TOKEN}/sendMessage"
    connector = aiohttp.TCPConnector(limit=POOL, limit_per_host=POOL)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.to_thread(fake.reset)
        chat_ids = iter(range(FIRST_CHAT, FIRST_CHAT + chats))

        async def worker() -> None:
            for chat in chat_ids:
                async with session.post(url, data={**body, "chat_id": str(chat)}) as resp:
                    answer = await resp.json()
                    if not answer.get("ok"):
                        raise SystemExit(f"bare client: {answer}")

        started, cpu0 = time.time(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        cpu = time.process_time() - cpu0
    return figures(await asyncio.to_thread(fake.stats), started, cpu, await asyncio.to_thread(fake.send_times))


def apprise_fan_out(root: str, chats: int) -> dict[str, float]:
    """The same messages through Apprise's Telegram notifier, one URL per chat (it runs them in parallel)."""
    import apprise
    from apprise.plugins.telegram import NotifyTelegram

    NotifyTelegram.notify_url = f"{root}/bot"
    fake = FakeServer.at(root)
    fake.reset()
    app = apprise.Apprise()
    for i in range(chats):
        app.add(f"tgram://{TOKEN}/{FIRST_CHAT + i}/")
    started, cpu0 = time.time(), time.process_time()
    app.notify(title="Strike summary", body="539 drones and 11 missiles launched; 483 neutralized")
    cpu = time.process_time() - cpu0
    return figures(fake.stats(), started, cpu, fake.send_times())
