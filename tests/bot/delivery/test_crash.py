"""Crash safety: SIGKILL `strikebot run` in the middle of a fan-out, restart, nothing is lost."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from storage.sqlite import SqliteStore
from tests.bot.delivery.support import draft
from tests.bot.run_process import start_against_fake
from tests.fakes.telegram.api import FakeBotAPI

CHATS = 600
CONCURRENCY = 8
# short, so the restarted bot takes over the killed one's rows quickly
LEASE = 2
# bounds on waits that include a process's start: several seconds each on a busy machine
PATIENCE = 120


async def test_sigkill_mid_fan_out_then_restart_delivers_everything(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with FakeBotAPI(store_texts=False) as fake:
        async with SqliteStore(str(db)) as store:
            for i in range(CHATS):
                await store.subscribe("telegram", str(500_000 + i))
            await store.ingest(draft(), notify=True)

        first = await start_against_fake(fake, f"sqlite:///{db}", tmp_path, concurrency=CONCURRENCY, lease_seconds=LEASE)
        try:
            await fake.wait_sent(CHATS // 4, timeout=PATIENCE)
        finally:
            if first.returncode is None:
                first.send_signal(signal.SIGKILL)
            await first.wait()
        assert first.returncode == -signal.SIGKILL
        before = len(fake.sent())
        assert before < CHATS, "the fan-out finished before the kill; the test proves nothing"

        second = await start_against_fake(fake, f"sqlite:///{db}", tmp_path, concurrency=CONCURRENCY, lease_seconds=LEASE)
        try:
            await fake.wait_for(lambda: len({c.chat_id for c in fake.sent()}) >= CHATS, timeout=PATIENCE)
            await asyncio.sleep(0.5)  # anything still to come would be a duplicate
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await second.communicate()
        assert second.returncode == 0, err.decode()[-2000:]

    per_chat = Counter(str(c.chat_id) for c in fake.sent())
    assert set(per_chat) == {str(500_000 + i) for i in range(CHATS)}
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= CONCURRENCY
