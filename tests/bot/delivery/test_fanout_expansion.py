"""A fan-out larger than what the ingest queues itself reaches every chat once, expanded while it is sent."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery.expansion import FanoutExpander
from storage.sqlite import SqliteStore
from tests.bot.delivery.support import MemoryTransport, Renders, dispatcher, draft, drain

CHATS = 30


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    # the ingest queues 5 chats itself; the expander queues the rest, 7 at a time
    async with SqliteStore(str(tmp_path / "bot.db"), first_chunk=5) as s:
        for i in range(CHATS):
            await s.subscribe("telegram", str(100 + i))
        yield s


async def test_run_once_queues_the_rest_of_a_fan_out_and_every_chat_gets_it_once(store: SqliteStore) -> None:
    outcome = await store.ingest(draft(), notify=True)
    assert outcome.deliveries == CHATS
    transport = MemoryTransport()
    d = dispatcher(store, transport, Renders())
    expander = FanoutExpander(store, chunk=7, wake_dispatcher=d.wake)
    await drain(d, store)
    assert len(transport.sent()) == 5
    assert await expander.run_once() == CHATS - 5
    assert await expander.run_once() == 0
    await drain(d, store)
    assert Counter(r.chat_id for r in transport.sent()) == {str(100 + i): 1 for i in range(CHATS)}


async def test_running_dispatcher_and_expander_deliver_two_large_fan_outs_once_each_in_order(
    store: SqliteStore,
) -> None:
    transport = MemoryTransport()
    d = dispatcher(store, transport, Renders())
    expander = FanoutExpander(store, chunk=7, wake_dispatcher=d.wake, poll_interval=0.05)
    tasks = [asyncio.create_task(d.run()), asyncio.create_task(expander.run())]
    try:
        for n in range(2):
            await store.ingest(draft(f"night-{n}", launched=10 + n), notify=True)
            d.wake()
            expander.wake()
        deadline = time.monotonic() + 10
        while len(transport.sent()) < 2 * CHATS and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert Counter(r.chat_id for r in transport.sent()) == {str(100 + i): 2 for i in range(CHATS)}
    for i in range(CHATS):
        assert [r.text for r in transport.sent(str(100 + i))] == ["en: 10 launched (rev 1)", "en: 11 launched (rev 1)"]


async def _until_sent(transport: MemoryTransport, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(transport.sent()) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


async def test_the_expansion_starts_at_the_dispatchers_first_claim_not_after_the_whole_head_start(
    store: SqliteStore,
) -> None:
    # as `strikebot run` wires them; a head start no test would wait out
    transport = MemoryTransport()
    wakeup = asyncio.Event()
    expander = FanoutExpander(store, chunk=7, wake_dispatcher=wakeup.set, head_start=60.0)
    d = dispatcher(store, transport, Renders(), wakeup=wakeup, on_claim=expander.claimed)
    tasks = [asyncio.create_task(d.run()), asyncio.create_task(expander.run())]
    try:
        await asyncio.sleep(0.05)  # both idle, waiting to be woken
        await store.ingest(draft(), notify=True)
        wakeup.set()
        expander.wake()
        await _until_sent(transport, CHATS, 10.0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert Counter(r.chat_id for r in transport.sent()) == {str(100 + i): 1 for i in range(CHATS)}


async def test_without_a_claim_the_head_start_still_ends(store: SqliteStore) -> None:
    # a dispatcher that cannot claim (every platform paused) must not hold the expansion back
    expander = FanoutExpander(store, chunk=7, wake_dispatcher=lambda: None, head_start=0.2)
    task = asyncio.create_task(expander.run())
    try:
        await asyncio.sleep(0.05)
        await store.ingest(draft(), notify=True)
        expander.wake()
        deadline = time.monotonic() + 10
        while (await store.queue_stats(now=datetime.now(UTC))).pending < CHATS and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert (await store.queue_stats(now=datetime.now(UTC))).pending == CHATS
