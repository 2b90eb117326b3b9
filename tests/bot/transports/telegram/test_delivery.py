"""Delivery through the unmodified python-telegram-bot Bot against the fake Bot API (issue 4 "Done when")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.request import AiohttpRequest
from handlers.ingest import ingest_summary
from storage.sqlite import SqliteStore
from tests.bot.transports.telegram.delivery import CONFIG, max_in_window, payload
from tests.fakes.telegram.api import FakeBotAPI, Fault, Limits
from tests.fakes.telegram.model import Call
from tests.fakes.telegram.records import EDIT_METHODS, SEND_METHODS

LIMITED = SEND_METHODS | EDIT_METHODS
SEND_TIMEOUT = 5.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    # the fake answers 429 like Telegram if we ever exceed 1/s per chat, 20/min per group, 30/s
    async with FakeBotAPI(limits=Limits()) as server:
        yield server


@asynccontextmanager
async def running(store: SqliteStore, fake: FakeBotAPI, config: DispatcherConfig = CONFIG) -> AsyncIterator[Dispatcher]:
    """A dispatcher loop over a real Bot pointed at the fake."""
    # a send that times out is sent again and may arrive twice: generous, so that only the held
    # request below times out, however busy the machine (the retry of it waits this long)
    bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest(read_timeout=SEND_TIMEOUT))
    await bot.initialize()
    dispatcher = Dispatcher(store, {"telegram": TelegramOutbox(bot)}, Renderers.from_handlers(), config)
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await bot.shutdown()


async def settled(store: SqliteStore, timeout: float = 60.0) -> None:
    """Wait until the outbox has nothing pending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (stats := await store.queue_stats(now=datetime.now(UTC))).pending:
        assert loop.time() < deadline, f"outbox not drained: {stats}"
        await asyncio.sleep(0.05)


def limited_calls(fake: FakeBotAPI) -> list[Call]:
    return [c for c in fake.records if c.method in LIMITED]


def assert_limits_held(fake: FakeBotAPI) -> None:
    """Per-chat and global limits, measured on the fake's arrival times."""
    calls = limited_calls(fake)
    assert fake.throttled_429 == 0
    assert max_in_window([c.mono for c in calls], 1.0) <= 30
    by_chat: dict[str, list[float]] = {}
    for c in calls:
        by_chat.setdefault(str(c.chat_id), []).append(c.mono)
    for chat, stamps in by_chat.items():
        assert max_in_window(stamps, 0.999) <= 1, f"more than 1/s to chat {chat}"
        if chat.startswith("-"):
            assert max_in_window(stamps, 59.999) <= 20


async def test_faults_everything_deliverable_arrives_exactly_once(store: SqliteStore, fake: FakeBotAPI) -> None:
    private = [fake.private_chat(fake.user(f"U{i}")) for i in range(40)]
    groups = [fake.group(f"G{i}") for i in range(4)]
    for chat in private + groups:
        await store.subscribe("telegram", str(chat.id))
    limited, flaky, slow, blocked, unknown = private[:5]
    migrating = groups[0]
    fake.inject(Fault.retry_after(1), chat_id=limited, method="sendMessage")
    fake.inject(Fault.server_error(502), chat_id=flaky, method="sendMessage")
    fake.inject(Fault.timeout(hold=60.0), chat_id=slow, method="sendMessage")  # released when the fake closes
    fake.block(blocked)
    fake.inject(Fault.chat_not_found(), chat_id=unknown, times=None)
    new_group = fake.migrate(migrating)

    async with running(store, fake):
        await ingest_summary(store, payload(), notify=True)
        await settled(store)

    deliverable = [c for c in private + groups if c not in (blocked, unknown, migrating)] + [new_group]
    for chat in deliverable:
        assert len(fake.sent(chat)) == 1, f"chat {chat.id}: {len(fake.sent(chat))} messages"
    assert len(fake.sent()) == len(deliverable)
    # gone chats: one try, then the subscription is off
    for chat in (blocked, unknown):
        assert len(fake.calls("sendMessage", chat)) == 1
        sub = await store.get_subscription("telegram", str(chat.id))
        assert sub is not None and not sub.active
    # the migrated group: one refused try at the old id, the subscription follows the new id
    assert len(fake.calls("sendMessage", migrating)) == 1
    assert (await store.get_subscription("telegram", str(new_group.id))) is not None
    # retry_after respected: nothing to that chat before the second is over
    first, second = fake.calls("sendMessage", limited)
    assert first.http_status == 429 and second.mono - first.mono >= 1.0
    assert [c.ok for c in fake.calls("sendMessage", flaky)] == [False, True]
    assert [c.ok for c in fake.calls("sendMessage", slow)][-1] is True
    assert_limits_held(fake)
    stats = await store.queue_stats(now=datetime.now(UTC))
    assert stats.dead == 0 and stats.pending == 0


async def test_global_and_per_chat_limits_hold_during_a_burst(store: SqliteStore, fake: FakeBotAPI) -> None:
    chats = [fake.private_chat(fake.user(f"U{i}")) for i in range(45)]
    group = fake.group("Busy group")
    for chat in [*chats, group]:
        await store.subscribe("telegram", str(chat.id))
    async with running(store, fake):
        for n in range(2):
            # two alerts in a row: every chat gets two messages, paced
            await ingest_summary(store, payload(100 + n, f"night-{n}"), notify=True)
        await settled(store)
    assert len(fake.sent()) == 2 * 46
    assert_limits_held(fake)
    # per chat, the alerts arrive in the order they were ingested
    texts = fake.sent_texts(group)
    assert [("100" in t, "101" in t) for t in texts] == [(True, False), (False, True)]


async def test_correction_edits_each_message_once_and_sends_nothing_new(store: SqliteStore, fake: FakeBotAPI) -> None:
    chats = [fake.private_chat(fake.user(f"U{i}")) for i in range(6)] + [fake.group("G")]
    for chat in chats:
        await store.subscribe("telegram", str(chat.id))
    async with running(store, fake):
        await ingest_summary(store, payload(120), notify=True)
        await settled(store)
        assert len(fake.sent()) == len(chats)
        outcome = await ingest_summary(store, payload(125), notify=True)
        assert outcome.status == "revised"
        await settled(store)
    assert len(fake.sent()) == len(chats)
    for chat in chats:
        (sent,) = fake.sent(chat)
        (edit,) = fake.edits(chat)
        assert edit.params["message_id"] == sent.message_id
        assert "125" in (edit.text or "") and "125" not in (sent.text or "")
    assert_limits_held(fake)


async def test_retraction_edits_the_sent_alerts(store: SqliteStore, fake: FakeBotAPI) -> None:
    chats = [fake.private_chat(fake.user(f"U{i}")) for i in range(3)]
    for chat in chats:
        await store.subscribe("telegram", str(chat.id))
    async with running(store, fake):
        outcome = await ingest_summary(store, payload(), notify=True)
        await settled(store)
        await store.retract(outcome.id)
        await settled(store)
    for chat in chats:
        (edit,) = fake.edits(chat)
        assert "withdrawn" in (edit.text or "").lower()
    assert len(fake.sent()) == 3


async def test_message_too_old_to_edit_gets_a_reply_with_the_correction(store: SqliteStore, fake: FakeBotAPI) -> None:
    chat = fake.private_chat(fake.user("Old"))
    await store.subscribe("telegram", str(chat.id))
    async with running(store, fake):
        await ingest_summary(store, payload(120), notify=True)
        await settled(store)
        fake.inject(Fault.not_editable(), method="editMessageText", chat_id=chat)
        await ingest_summary(store, payload(130), notify=True)
        await settled(store)
    original, follow_up = fake.sent(chat)
    assert follow_up.result["reply_to_message"]["message_id"] == original.message_id
    assert "130" in (follow_up.text or "")
    assert_limits_held(fake)


async def test_rows_stored_by_another_process_are_picked_up_by_polling(store: SqliteStore, fake: FakeBotAPI, tmp_path: Path) -> None:
    chat = fake.private_chat(fake.user("Poll"))
    await store.subscribe("telegram", str(chat.id))
    async with running(store, fake, replace(CONFIG, poll_interval=0.5)):
        # a second connection stands in for `strikebot ingest` in another process: no wake()
        async with SqliteStore(str(tmp_path / "bot.db")) as other:
            await ingest_summary(other, payload(), notify=True)
        # only the dispatcher's polling can find it; the wait bounds a stuck test, it is no speed check
        await fake.wait_sent(1, chat_id=chat)
