"""Quiet hours on Telegram: the unmodified python-telegram-bot sends with disable_notification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.base import Outcome, Target
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.request import AiohttpRequest
from handlers.context import Image, Message
from handlers.ingest import ingest_summary
from storage.sqlite import SqliteStore
from tests.bot.delivery.support import drain
from tests.fakes.telegram.api import FakeBotAPI

KYIV = ZoneInfo("Europe/Kyiv")
CONFIG = DispatcherConfig(batch_size=50, concurrency=4, poll_interval=0.05, rates={}, timezone=KYIV)
SUMMARY = {
    "external_id": "kpszsu/night-1",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "weapons": [{"model": "Shahed-136/131", "launched": 120, "destroyed": 50, "suppressed": 20}],
}


@pytest.fixture
async def outbox(fake_telegram: FakeBotAPI) -> AsyncIterator[TelegramOutbox]:
    bot = Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=AiohttpRequest())
    async with bot:
        yield TelegramOutbox(bot)


async def test_silent_target_sends_with_disable_notification(
    fake_telegram: FakeBotAPI, outbox: TelegramOutbox
) -> None:
    fake = fake_telegram
    chat = fake.private_chat(fake.user())
    loud = await outbox.send(Target(str(chat.id)), outbox.render(Message(title="loud")))
    quiet = await outbox.send(Target(str(chat.id), silent=True), outbox.render(Message(title="quiet")))
    photo = await outbox.send(
        Target(str(chat.id), silent=True), outbox.render(Message(title="chart", image=Image(b"\x89PNG fake")))
    )
    assert {loud.outcome, quiet.outcome, photo.outcome} == {Outcome.OK}
    sent = fake.sent(chat)
    assert [c.method for c in sent] == ["sendMessage", "sendMessage", "sendPhoto"]
    assert [bool(c.params.get("disable_notification")) for c in sent] == [False, True, True]


async def test_dispatcher_sends_silently_only_to_chats_in_their_quiet_hours(
    fake_telegram: FakeBotAPI, outbox: TelegramOutbox, tmp_path: Path
) -> None:
    fake = fake_telegram
    night_owls, everyone = fake.private_chat(fake.user()), fake.group()
    async with SqliteStore(str(tmp_path / "bot.db")) as store:
        sub = await store.subscribe("telegram", str(night_owls.id))
        await store.update_subscription(sub.id, quiet=(23 * 60, 7 * 60))
        await store.subscribe("telegram", str(everyone.id))
        await ingest_summary(store, SUMMARY, notify=True)
        # 03:00 in Kyiv, on a day after the test: the dispatcher claims rows due by this clock too
        at_night = datetime(2100, 7, 4, 0, 0, tzinfo=UTC)
        d = Dispatcher(store, {"telegram": outbox}, Renderers.from_handlers(), CONFIG, wall_clock=lambda: at_night)
        await drain(d, store, timeout=60)
    [quiet] = fake.sent(night_owls)
    [loud] = fake.sent(everyone)
    assert quiet.params.get("disable_notification") is True
    assert not loud.params.get("disable_notification")
    assert quiet.params["text"] == loud.params["text"]
