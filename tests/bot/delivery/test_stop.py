"""Stopping `strikebot run` with SIGTERM mid-fan-out on a slow platform: a restart neither resends nor waits out leases.

The stopped process is a real one (a signal, its own event loop, its own
connections); whoever delivers next only needs the same database, so a
dispatcher in the test's own process stands in for the restart.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import open_store
from tests.bot.delivery.support import MemoryTransport, Renders, dispatcher, draft, drain
from tests.bot.run_process import start_against_fake
from tests.bot.shared_database import BACKENDS, shared_database
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.faults import Fault

CHATS = 80
CONCURRENCY = 8
# longer than the whole test: a row left leased by the stopped process would stall the restart
LEASE = 60
# bounds on waits that include a process's start or exit: several seconds on a busy machine
PATIENCE = 120


@pytest.mark.parametrize("backend", BACKENDS)
async def test_sigterm_mid_fan_out_finishes_what_is_on_the_wire_and_hands_back_the_rest(
    backend: str, tmp_path: Path
) -> None:
    async with shared_database(backend, tmp_path) as db, FakeBotAPI(store_texts=False) as fake:
        async with open_store(db.url) as store:
            for i in range(CHATS):
                await store.subscribe("telegram", str(600_000 + i))
            await store.ingest(draft(), notify=True)

        # every send is answered after a second, and takes effect whether or not the client still waits
        fake.inject(Fault.timeout(1.0, deliver=True), method="sendMessage", times=None)
        first = await start_against_fake(fake, db.url, tmp_path, concurrency=CONCURRENCY, lease_seconds=LEASE)
        try:
            await fake.wait_for(lambda: len(fake.sent()) >= CONCURRENCY, timeout=PATIENCE)
            await asyncio.sleep(0.5)  # the next sends are on the wire now
            first.send_signal(signal.SIGTERM)
            stopping = time.monotonic()
            _, err = await asyncio.wait_for(first.communicate(), PATIENCE)  # how long it took is checked below
        finally:
            if first.returncode is None:
                first.kill()
                await first.wait()
        assert first.returncode == 0, err.decode()[-2000:]
        assert time.monotonic() - stopping < 10, "stopping took longer than its grace"
        await asyncio.sleep(1.2)  # let any send the bot gave up on land at the platform
        reached = len(fake.sent())
        assert reached < CHATS, "the fan-out finished before the signal; the test proves nothing"

        async with open_store(db.url) as store:
            stats = await store.queue_stats(now=datetime.now(UTC))
            # what went out is recorded as sent, what had not started is due again: nothing left leased
            assert stats.in_flight == 0, stats
            assert stats.sent_24h == reached, stats
            assert stats.due == CHATS - reached, stats
            # whoever delivers next (here a dispatcher in this process) finds the rest due at once
            restarted = MemoryTransport()
            await drain(dispatcher(store, restarted, Renders()), store, timeout=PATIENCE)

    per_chat = Counter(str(c.chat_id) for c in fake.sent()) + Counter(r.chat_id for r in restarted.sent())
    assert set(per_chat) == {str(600_000 + i) for i in range(CHATS)}
    assert max(per_chat.values()) == 1, "a chat got the alert twice across the restart"
