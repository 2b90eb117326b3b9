"""A fan-out larger than what the ingest queues itself reaches every chat once, expanded while it is sent."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
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
