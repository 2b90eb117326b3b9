"""Leases that hold on a slow platform and a database that drops its connections: every chat exactly once.

Two dispatchers here are two Dispatcher instances on two stores of one
database (tests/bot/shared_database.py): each has its own connections, lease
holder, queue and limiter, and they share only the database — what two
`strikebot run` processes share. In-process they can be timed tightly and
share one recording platform.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery import Dispatcher
from tests.bot.delivery.support import FAST, MemoryTransport, Renders, dispatcher, draft
from tests.bot.shared_database import BACKENDS, shared_database, terminate_connections

CHATS = 48


async def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.05)
    return False


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _chats_reached(transport: MemoryTransport) -> Counter[str]:
    return Counter(r.chat_id for r in transport.sent())


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_dispatchers_on_a_platform_slower_than_the_lease_send_every_chat_once(
    backend: str, tmp_path: Path
) -> None:
    config = FAST.__class__(**{**FAST.__dict__, "lease_seconds": 2.0, "concurrency": 16, "batch_size": 500})
    async with shared_database(backend, tmp_path) as db, db.stores(2) as (a, b):
        for i in range(CHATS):
            await a.subscribe("telegram", str(7000 + i))
        await a.ingest(draft(), notify=True)
        # one platform answering every send after 2.5 s, longer than the 2 s lease
        platform = MemoryTransport(latency=2.5)
        dispatchers: list[Dispatcher] = [dispatcher(s, platform, Renders(), config) for s in (a, b)]
        tasks = [asyncio.create_task(d.run()) for d in dispatchers]
        try:
            assert await _wait(lambda: len(_chats_reached(platform)) >= CHATS, 30), "fan-out did not finish"
            await asyncio.sleep(3.0)  # a second copy would be on its way by now
        finally:
            await _stop(tasks)
        stats = await a.queue_stats(now=datetime.now(UTC))

    twice = {chat: n for chat, n in _chats_reached(platform).items() if n > 1}
    assert not twice, f"{len(twice)} chats got the alert more than once"
    assert set(_chats_reached(platform)) == {str(7000 + i) for i in range(CHATS)}
    assert stats.pending == 0
    # both took part: the lease kept each row with whoever claimed it, not with one process
    assert all(d.counters["sent"] for d in dispatchers)


async def test_cut_database_connections_mid_fan_out_neither_resend_nor_wait_out_leases(tmp_path: Path) -> None:
    # the lease is far longer than the test may take: a row left leased by a failed write stalls it
    config = FAST.__class__(**{**FAST.__dict__, "lease_seconds": 60.0, "concurrency": 8})
    async with shared_database("postgres", tmp_path) as db, db.stores(1) as (store,):
        assert db.application_name is not None
        chats = 120
        for i in range(chats):
            await store.subscribe("telegram", str(9000 + i))
        await store.ingest(draft(), notify=True)
        platform = MemoryTransport(latency=0.1)
        d = dispatcher(store, platform, Renders(), config)
        task = asyncio.create_task(d.run())
        killed = 0
        try:
            assert await _wait(lambda: len(platform.sent()) >= 8, 10)
            # an operator cuts the bot's connections again and again while results are being written
            while len(platform.sent()) < chats - 16:
                killed += await terminate_connections(db.application_name)
                await asyncio.sleep(0.07)
            assert await _wait(lambda: len(_chats_reached(platform)) >= chats, 20), "the rest stalled"
            stats = None
            for _ in range(100):
                stats = await store.queue_stats(now=datetime.now(UTC))
                if stats.pending == 0:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
        finally:
            await _stop([task])

    assert killed > 0, "no connection was cut; the test proves nothing"
    twice = {chat: n for chat, n in _chats_reached(platform).items() if n > 1}
    assert not twice, f"{len(twice)} chats got the alert again after a lost write"
    assert stats is not None and stats.pending == 0, f"results not recorded: {stats}"
    assert stats.dead == 0
