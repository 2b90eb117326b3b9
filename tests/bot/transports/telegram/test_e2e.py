"""End to end: real updates from the fake Bot API → unmodified PTB → real router → replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.telegram.transport import TelegramTransport
from handlers.ingest import ingest_payload
from storage.protocol import Store
from tests.bot.transports.telegram.support import ADMIN_ID, open_test_store, running_transport
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.model import FakeChat, FakeUser

SEED = json.loads((Path(__file__).parents[4] / "seeds" / "seed-night.json").read_text())


@dataclass
class Bot:
    """The running bot with its fake world, for asking commands and reading replies."""

    fake: FakeBotAPI
    store: Store
    transport: TelegramTransport
    seed_id: int

    async def ask(self, chat: FakeChat, user: FakeUser | None, text: str, *, thread: int | None = None) -> str:
        """Post `text` in `chat` and return the bot's next reply there."""
        before = len(self.fake.sent(chat))
        self.fake.push_message(chat, user, text, thread_id=thread)
        sent = await self.fake.wait_sent(before + 1, chat_id=chat)
        return sent[before].text or ""


@pytest.fixture
async def bot(fake_telegram: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Bot]:
    """The real router behind the Telegram transport, with the seed night stored."""
    async with open_test_store(tmp_path) as store:
        [outcome] = await ingest_payload(store, SEED, notify=False)
        async with running_transport(fake_telegram, store, None, menu=None) as transport:
            yield Bot(fake_telegram, store, transport, outcome.id)


async def test_menus_registered_per_locale(bot: Bot) -> None:
    fake = bot.fake
    en = [c["command"] for c in fake.commands_for()]
    uk = fake.commands_for(language_code="uk")
    assert {"start", "help", "latest", "stats", "summary", "subscribe", "lang"} <= set(en)
    assert "post" not in en  # admin commands only in the admins' own menu
    assert len(uk) == len(en) and uk[0]["description"] != fake.commands_for()[0]["description"]
    admin_menu = fake.commands_for({"type": "chat", "chat_id": ADMIN_ID})
    assert "post" in [c["command"] for c in admin_menu]


async def test_everyone_commands_in_a_private_chat(bot: Bot) -> None:
    fake = bot.fake
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    assert "/latest" in await bot.ask(chat, alice, "/start")
    assert "/subscribe" in await bot.ask(chat, alice, "/help")
    latest = await bot.ask(chat, alice, "/latest")
    assert "550" in latest
    assert "550" in await bot.ask(chat, alice, "/latest 1 Kyiv")
    stats = await bot.ask(chat, alice, "/stats all")
    assert "550" in stats
    assert "478" in await bot.ask(chat, alice, f"/summary {bot.seed_id}")


async def test_subscription_commands_in_a_private_chat(bot: Bot) -> None:
    fake = bot.fake
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    await bot.ask(chat, alice, "/subscribe Київ odesa min=50")
    sub = await bot.store.get_subscription("telegram", str(chat.id))
    assert sub is not None and sub.active and sub.min_launched == 50
    assert set(sub.regions) == {"kyiv-city", "odesa"}
    assert "50" in await bot.ask(chat, alice, "/settings")
    await bot.ask(chat, alice, "/mute 8h")
    sub = await bot.store.get_subscription("telegram", str(chat.id))
    assert sub is not None and sub.muted_until is not None
    await bot.ask(chat, alice, "/unmute")
    sub = await bot.store.get_subscription("telegram", str(chat.id))
    assert sub is not None and sub.muted_until is None
    await bot.ask(chat, alice, "/lang uk")
    # the chat now reads Ukrainian
    help_uk = await bot.ask(chat, alice, "/help")
    assert help_uk.startswith("<b>Команди</b>") and "/subscribe" in help_uk
    await bot.ask(chat, alice, "/unsubscribe")
    sub = await bot.store.get_subscription("telegram", str(chat.id))
    assert sub is not None and not sub.active


async def test_group_member_refused_admin_subscribes(bot: Bot) -> None:
    fake = bot.fake
    boss, member = fake.user("Boss"), fake.user("Member")
    group = fake.group()
    fake.set_admin(group, boss)
    fake.set_admin(group, member, admin=False)
    refusal = await bot.ask(group, member, "/subscribe")
    assert "admin" in refusal.lower()
    assert await bot.store.get_subscription("telegram", str(group.id)) is None
    assert "550" in await bot.ask(group, member, "/latest")  # reading is for everyone
    await bot.ask(group, boss, f"/subscribe@{fake.bot_username}")
    sub = await bot.store.get_subscription("telegram", str(group.id))
    assert sub is not None and sub.active and sub.regions == ()
    assert "admin" in (await bot.ask(group, member, "/unsubscribe")).lower()
    assert "admin" in (await bot.ask(group, member, "/post drones=5")).lower()


async def test_forum_topic_subscription(bot: Bot) -> None:
    fake = bot.fake
    boss = fake.user("Boss")
    forum = fake.forum()
    fake.set_admin(forum, boss)
    await bot.ask(forum, boss, "/subscribe Kyiv", thread=9)
    sub = await bot.store.get_subscription("telegram", str(forum.id), "9")
    assert sub is not None and sub.active and sub.thread_id == "9"
    assert all(c.params.get("message_thread_id") == 9 for c in fake.sent(forum))
    assert "Kyiv" in await bot.ask(forum, boss, "/settings", thread=9)


async def test_channel_subscribe_by_post(bot: Bot) -> None:
    fake = bot.fake
    channel = fake.channel()
    before = len(fake.sent(channel))
    fake.push_channel_post(channel, "/subscribe min=100")
    await fake.wait_sent(before + 1, chat_id=channel)
    sub = await bot.store.get_subscription("telegram", str(channel.id))
    assert sub is not None and sub.active and sub.min_launched == 100


async def test_post_preview_confirm_stores(bot: Bot) -> None:
    fake = bot.fake
    admin = fake.user("Admin", user_id=ADMIN_ID)
    chat = fake.private_chat(admin)
    count = await bot.store.count_summaries()
    preview_text = await bot.ask(chat, admin, '/post drones=120 missiles=4 destroyed=100 suppressed=10 regions="Kyiv, Odesa" injured=3 note="test"')
    assert "124" in preview_text
    preview = fake.sent(chat)[-1]
    buttons = preview.params["reply_markup"]["inline_keyboard"][0]
    assert await bot.store.count_summaries() == count  # nothing stored before Confirm
    fake.push_callback(chat, admin, preview.message_id, buttons[0]["callback_data"])
    await fake.wait_edits(1, chat_id=chat)
    assert await bot.store.count_summaries() == count + 1
    assert "#" in (fake.text_of(chat, preview.message_id) or "")
    [newest] = await bot.store.latest(1)
    assert newest.launched == 124 and newest.injured == 3


async def test_post_cancel_stores_nothing(bot: Bot) -> None:
    fake = bot.fake
    admin = fake.user("Admin", user_id=ADMIN_ID)
    chat = fake.private_chat(admin)
    count = await bot.store.count_summaries()
    await bot.ask(chat, admin, "/post drones=7")
    preview = fake.sent(chat)[-1]
    cancel = preview.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    fake.push_callback(chat, admin, preview.message_id, cancel)
    await fake.wait_edits(1, chat_id=chat)
    assert await bot.store.count_summaries() == count


async def test_admin_commands(bot: Bot) -> None:
    fake = bot.fake
    admin = fake.user("Admin", user_id=ADMIN_ID)
    chat = fake.private_chat(admin)
    group = fake.group()
    fake.set_admin(group, admin)
    await bot.ask(chat, admin, "/subscribe")
    await bot.ask(group, admin, "/subscribe Odesa")
    await bot.ask(chat, admin, f"/correct {bot.seed_id} injured=25")
    fixed = await bot.store.get_summary(bot.seed_id)
    assert fixed is not None and fixed.injured == 25 and fixed.revision == 2
    reply = await bot.ask(chat, admin, "/broadcast Maintenance tonight <22:00>")
    assert "Broadcast queued for 2 chats." in reply
    status = await bot.ask(chat, admin, "/status")
    assert "Subscriptions: 2 (telegram 2)" in status
    # two broadcasts, and the corrected night newly sent to the private chat (it is not about Odesa)
    assert "Queue: 3 pending, 3 due, 0 in flight" in status
    assert "Dead deliveries: 0" in status and "Last error: none" in status
    dispatcher = Dispatcher(bot.store, {"telegram": bot.transport}, Renderers.from_handlers(), DispatcherConfig(rates={"telegram": 0.0}))
    before = len(fake.sent(group))
    await dispatcher.run_once()
    [announcement] = (await fake.wait_sent(before + 1, chat_id=group))[before:]
    assert "Maintenance tonight &lt;22:00&gt;" in (announcement.text or "")
    assert "<22:00>" not in (announcement.text or "")
    await bot.ask(chat, admin, f"/retract {bot.seed_id}")
    gone = await bot.store.get_summary(bot.seed_id)
    assert gone is not None and gone.status == "retracted"


async def test_unknown_and_malformed_get_help(bot: Bot) -> None:
    fake = bot.fake
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    unknown = await bot.ask(chat, alice, "/stast")
    assert "/stats" in unknown and "/help" in unknown
    bad = await bot.ask(chat, alice, "/summary abc")
    assert "/summary" in bad
    region = await bot.ask(chat, alice, "/latest 3 Kyyv")
    assert "Kyiv" in region


async def test_html_in_notes_arrives_escaped(bot: Bot) -> None:
    fake = bot.fake
    evil = dict(SEED, external_id="evil/1", notes='<script>alert("x")</script> & <b>bold</b>')
    [outcome] = await ingest_payload(bot.store, evil, notify=False)
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    reply = await bot.ask(chat, alice, f"/summary {outcome.id}")
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' in reply
    assert "<script>" not in reply


async def test_refused_button_press_in_a_group_is_a_private_pop_up(bot: Bot) -> None:
    fake = bot.fake
    admin, member = fake.user("Admin", user_id=ADMIN_ID), fake.user("Member")
    group = fake.group()
    await bot.ask(group, admin, "/post drones=7")
    preview = fake.sent(group)[-1]
    confirm = preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    count, sent = await bot.store.count_summaries(), len(fake.sent(group))
    for _ in range(2):
        query = fake.push_callback(group, member, preview.message_id, confirm)
        answer = await fake.wait_for(lambda q=query: fake.answered_callbacks.get(q))  # type: ignore[misc]
        assert "Only bot admins" in answer["text"] and answer["show_alert"] is True
    assert len(fake.sent(group)) == sent, "nothing posted in the group for everyone to read"
    assert await bot.store.count_summaries() == count
    fake.push_callback(group, admin, preview.message_id, confirm)
    await fake.wait_edits(1, chat_id=group)
    assert await bot.store.count_summaries() == count + 1
