"""Paid broadcasts (TELEGRAM_PAID_BROADCAST): alerts go out with allow_paid_broadcast, faster than 30/s, no 429."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from telegram import Bot

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.settings import Settings
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.request import AiohttpRequest
from handlers.ingest import ingest_summary
from storage.sqlite import SqliteStore
from tests.bot.transports.telegram.delivery import CONFIG, max_in_window, payload
from tests.fakes.telegram.api import FakeBotAPI, Limits

CHATS = 120


async def fan_out(store: SqliteStore, fake: FakeBotAPI, *, paid: bool, rate: float) -> None:
    """Subscribe CHATS private chats, ingest one alert, deliver until the outbox is empty."""
    for i in range(CHATS):
        await store.subscribe("telegram", str(1000 + i))
    # the backend's ordinary timeouts: a send timed out on a busy machine would be sent twice
    bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest())
    config = replace(CONFIG, rates={"telegram": rate}, concurrency=32)
    async with bot:
        outbox = TelegramOutbox(bot, paid_broadcast=paid)
        dispatcher = Dispatcher(store, {"telegram": outbox}, Renderers.from_handlers(), config)
        task = asyncio.create_task(dispatcher.run())
        try:
            await ingest_summary(store, payload(), notify=True)
            dispatcher.wake()
            deadline = asyncio.get_running_loop().time() + 60
            while (await store.queue_stats(now=datetime.now(UTC))).pending:
                assert asyncio.get_running_loop().time() < deadline, "outbox not drained"
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task


async def test_paid_broadcast_passes_the_free_cap_without_429(store: SqliteStore) -> None:
    # the fake holds free sends to 30/s and paid ones to 1,000/s, with the per-chat limits for both
    async with FakeBotAPI(limits=Limits()) as fake:
        await fan_out(store, fake, paid=True, rate=1000.0)
        sends = fake.sent()
        assert len({c.chat_id for c in sends}) == CHATS and len(sends) == CHATS
        assert all(c.params.get("allow_paid_broadcast") is True for c in sends)
        assert fake.throttled_429 == 0
        # more than the free 30 in some second: the pace was lifted
        assert max_in_window([c.mono for c in sends], 1.0) > 30


async def test_free_sends_do_not_ask_for_paid_broadcast(store: SqliteStore) -> None:
    async with FakeBotAPI(limits=Limits()) as fake:
        await fan_out(store, fake, paid=False, rate=30.0)
        sends = fake.sent()
        assert len(sends) == CHATS
        assert not any("allow_paid_broadcast" in c.params for c in sends)
        assert fake.throttled_429 == 0


@pytest.mark.parametrize(
    ("env", "rate"),
    [
        ({}, 30.0),
        ({"STRIKEBOT_TELEGRAM_RATE": "300"}, 300.0),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true"}, 1000.0),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true", "STRIKEBOT_TELEGRAM_RATE": "300"}, 300.0),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true", "STRIKEBOT_TELEGRAM_RATE": "5000"}, 1000.0),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true", "STRIKEBOT_TELEGRAM_RATE": "0"}, 1000.0),
    ],
)
def test_paid_broadcast_lifts_the_pace_up_to_1000(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], rate: float
) -> None:
    for key in ("STRIKEBOT_TELEGRAM_RATE", "STRIKEBOT_TELEGRAM_PAID_BROADCAST"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert DispatcherConfig.from_settings(settings).rates["telegram"] == rate


@pytest.mark.parametrize(
    ("env", "concurrency"),
    [
        ({}, 64),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true"}, 250),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true", "STRIKEBOT_TELEGRAM_RATE": "300"}, 75),
        ({"STRIKEBOT_TELEGRAM_PAID_BROADCAST": "true", "STRIKEBOT_DELIVERY_CONCURRENCY": "100"}, 100),
        ({"STRIKEBOT_DELIVERY_CONCURRENCY": "300"}, 300),
    ],
)
def test_paid_broadcast_keeps_enough_requests_on_the_wire_for_its_pace(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], concurrency: int
) -> None:
    """1,000/s over 250 ms round trips needs 250 requests in flight; a chosen DELIVERY_CONCURRENCY stays."""
    for key in ("STRIKEBOT_TELEGRAM_RATE", "STRIKEBOT_TELEGRAM_PAID_BROADCAST", "STRIKEBOT_DELIVERY_CONCURRENCY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert DispatcherConfig.from_settings(settings).concurrency == concurrency
