"""Command replies share the bot's rate budget with alerts, go first, and wait out a 429 instead of being dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import running
from bot.settings import Settings
from tests.bot.delivery.support import draft
from tests.bot.transports.telegram.support import open_test_store, running_transport
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.faults import Fault, Limits
from tests.fakes.telegram.model import FakeChat

USERS = 100
GROUPS = 60


async def test_a_hundred_users_at_once_all_get_an_answer_ahead_of_an_alert_fan_out(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    # Telegram's limits: 30 messages/s for the bot, 1/s per private chat, 20/min per group
    fake.enforce_limits(Limits())
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        telegram_token=fake.token,
        telegram_api_url=fake.root,
        api_host="",
        seed="none",
    )
    async with running(settings) as (runtime, _):
        groups = [fake.group(f"Alerts {i}") for i in range(GROUPS)]
        for group in groups:
            await runtime.store.subscribe("telegram", str(group.id))
        users = [fake.user(f"User{i}") for i in range(USERS)]
        chats = [fake.private_chat(user) for user in users]
        await runtime.store.ingest(draft(), notify=True)
        runtime.dispatcher.wake()
        for chat, user in zip(chats, users, strict=True):
            fake.push_message(chat, user, "/latest")

        def answered() -> list[FakeChat]:
            return [c for c in chats if fake.sent(c)]

        # bounds for a stuck test: a starved CI process took 22 s to answer the hundred
        await fake.wait_for(lambda: len(answered()) == USERS, timeout=120)
        await fake.wait_for(lambda: all(fake.sent(g) for g in groups), timeout=120)
        await asyncio.sleep(0.5)

    last_reply = max(fake.sent(c)[0].mono for c in chats)
    last_alert = max(fake.sent(g)[0].mono for g in groups)
    assert all(len(fake.sent(c)) == 1 for c in chats), "every user got exactly one answer"
    # a person is waiting: the replies went ahead of the alerts that were queued with them
    assert last_reply < last_alert
    # paced within the budget: the platform hardly ever had to refuse anything
    assert fake.throttled_429 <= 5, f"{fake.throttled_429} requests answered 429"


async def test_a_reply_refused_with_429_is_sent_after_the_wait(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    fake.inject(Fault.retry_after(1), method="sendMessage", chat_id=chat, times=2)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, None, menu=None):
        fake.push_message(chat, alice, "/help")
        [reply] = await fake.wait_sent(1, chat_id=chat)
        refused = [c for c in fake.calls("sendMessage", chat) if c.http_status == 429]
    assert "/subscribe" in (reply.text or "")
    assert len(refused) == 2
    # each refusal was waited out (retry_after 1 s) before the next try
    assert reply.mono - refused[0].mono >= 1.9
