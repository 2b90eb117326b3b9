"""Crash safety: SIGKILL `strikebot run` in the middle of a fan-out, restart, nothing is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from storage.sqlite import SqliteStore
from tests.bot.delivery.support import draft
from tests.fakes.telegram.api import FakeBotAPI

CHATS = 600
CONCURRENCY = 8


async def start_bot(fake: FakeBotAPI, db: Path, cwd: Path) -> asyncio.subprocess.Process:
    """`strikebot run` against the fake, with a short lease so a restart takes over quickly."""
    env = {
        **os.environ,
        "STRIKEBOT_TELEGRAM_TOKEN": fake.token,
        "STRIKEBOT_TELEGRAM_API_URL": fake.root,
        "STRIKEBOT_TELEGRAM_RATE": "0",
        "STRIKEBOT_SEED": "none",
        "STRIKEBOT_API_HOST": "",
        "STRIKEBOT_DELIVERY_CONCURRENCY": str(CONCURRENCY),
        "STRIKEBOT_DELIVERY_LEASE_SECONDS": "2",
        "STRIKEBOT_LOG_LEVEL": "WARNING",
    }
    env.pop("STRIKEBOT_DISCORD_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--db", f"sqlite:///{db}",
        cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def test_sigkill_mid_fan_out_then_restart_delivers_everything(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with FakeBotAPI(store_texts=False) as fake:
        async with SqliteStore(str(db)) as store:
            for i in range(CHATS):
                await store.subscribe("telegram", str(500_000 + i))
            await store.ingest(draft(), notify=True)

        first = await start_bot(fake, db, tmp_path)
        try:
            await fake.wait_sent(CHATS // 4, timeout=30)
        finally:
            if first.returncode is None:
                first.send_signal(signal.SIGKILL)
            await first.wait()
        assert first.returncode == -signal.SIGKILL
        before = len(fake.sent())
        assert before < CHATS, "the fan-out finished before the kill; the test proves nothing"

        second = await start_bot(fake, db, tmp_path)
        try:
            await fake.wait_for(lambda: len({c.chat_id for c in fake.sent()}) >= CHATS, timeout=30)
            await asyncio.sleep(0.5)  # anything still to come would be a duplicate
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await second.communicate()
        assert second.returncode == 0, err.decode()[-2000:]

    per_chat = Counter(str(c.chat_id) for c in fake.sent())
    assert set(per_chat) == {str(500_000 + i) for i in range(CHATS)}
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= CONCURRENCY
