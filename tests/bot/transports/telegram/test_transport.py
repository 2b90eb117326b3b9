"""TelegramTransport against the fake Bot API, with a stand-in command handler.

These check the adapter itself: how updates become CommandContexts and how
replies go back (threads, buttons, edits, escaping, admin checks, logging).
"""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.logging_redact import install_redaction
from bot.transports.telegram.transport import TelegramStartError, TelegramTransport
from handlers.context import HandlerDeps
from tests.bot.transports.telegram.stand_in import seen, stand_in
from tests.bot.transports.telegram.support import ADMIN_ID, eventually, open_test_store, running_transport
from tests.fakes.telegram.api import FakeBotAPI


@pytest.fixture(autouse=True)
def _clear() -> None:
    seen.clear()


async def test_private_command_gets_reply_and_menus_registered(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        assert [c["command"] for c in fake.commands_for()] == ["start", "help", "echo", "buttons", "manage"]
        assert fake.commands_for(language_code="uk")[1]["description"] == "Що я вмію"
        fake.push_message(chat, alice, "/echo  hello world ")
        [reply] = await fake.wait_sent(1, chat_id=chat)
    assert reply.params["parse_mode"] == "HTML"
    assert reply.text == "<b>/echo</b>\nargs=hello world\nkind=private\nthread=None\n<i>admin=False locale=en</i>"
    assert not fake.calls("deleteWebhook") or fake.calls("deleteWebhook")[0].params.get("drop_pending_updates") in (None, False)


async def test_pending_updates_are_not_dropped(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    fake.push_message(chat, alice, "/echo sent while the bot was down")
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        [reply] = await fake.wait_sent(1, chat_id=chat)
    assert "sent while the bot was down" in (reply.text or "")


async def test_ukrainian_user_and_bot_admin(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    admin = fake.user("Олена", user_id=ADMIN_ID, language_code="uk")
    chat = fake.private_chat(admin)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(chat, admin, "/echo")
        [reply] = await fake.wait_sent(1, chat_id=chat)
    assert "admin=True locale=uk" in (reply.text or "")


async def test_group_command_with_bot_suffix_and_other_bots_ignored(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    bob = fake.user("Bob")
    group = fake.group()
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(group, bob, "/echo@OtherBot for someone else")
        fake.push_message(group, bob, "/weather not one of ours")
        fake.push_message(group, bob, f"/ECHO@{fake.bot_username} ours")
        [reply] = await fake.wait_sent(1, chat_id=group)
        fake.push_message(group, bob, "/echo second")
        await fake.wait_sent(2, chat_id=group)
    assert "args=ours" in (reply.text or "") and "kind=group" in (reply.text or "")
    assert [c.command for c in seen] == ["echo", "echo"]


async def test_group_admin_check_uses_get_chat_member_and_caches(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    boss, member = fake.user("Boss"), fake.user("Member")
    group = fake.supergroup()
    fake.set_admin(group, boss)
    fake.set_admin(group, member, admin=False)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(group, boss, "/manage")
        fake.push_message(group, member, "/manage")
        fake.push_message(group, boss, "/manage")
        sent = await fake.wait_sent(3, chat_id=group)
    assert [c.text for c in sent] == ["may manage: True", "may manage: False", "may manage: True"]
    # the second question about Boss came from the cache
    assert len(fake.calls("getChatMember")) == 2


async def test_forum_topic_reply_goes_to_the_same_topic(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    carol = fake.user("Carol")
    forum = fake.forum()
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(forum, carol, "/echo in a topic", thread_id=77)
        [reply] = await fake.wait_sent(1, chat_id=forum)
    assert reply.params["message_thread_id"] == 77
    assert "kind=forum_topic" in (reply.text or "") and "thread=77" in (reply.text or "")


async def test_channel_post_counts_as_chat_admin(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    channel = fake.channel()
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_channel_post(channel, "/manage")
        [reply] = await fake.wait_sent(1, chat_id=channel)
    assert reply.text == "may manage: True"
    assert seen[0].chat_kind == "channel" and not seen[0].is_bot_admin
    assert not fake.calls("getChatMember")


async def test_button_press_edits_the_message_that_carried_it(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    admin = fake.user("Admin", user_id=ADMIN_ID)
    chat = fake.private_chat(admin)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(chat, admin, "/buttons")
        [preview] = await fake.wait_sent(1, chat_id=chat)
        keyboard = preview.params["reply_markup"]["inline_keyboard"]
        assert [[b["text"] for b in row] for row in keyboard] == [["Confirm", "Cancel"]]
        query = fake.push_callback(chat, admin, preview.message_id, keyboard[0][0]["callback_data"])
        [edit] = await fake.wait_edits(1, chat_id=chat)
        await fake.wait_for(lambda: query in fake.answered_callbacks)
    assert edit.params["message_id"] == preview.message_id
    assert fake.text_of(chat, preview.message_id) == "pressed post:yes"
    assert seen[-1].callback == "post:yes" and seen[-1].is_bot_admin
    assert len(fake.sent(chat)) == 1


async def test_handler_failure_gets_an_apology_not_silence(
    fake_telegram: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(chat, alice, "/boom")
        [reply] = await fake.wait_sent(1, chat_id=chat)
    assert "something went wrong" in (reply.text or "")
    assert "handler bug" in caplog.text


async def test_dynamic_text_is_escaped(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
        fake.push_message(chat, alice, "/echo <b>bold</b> & <script>")
        [reply] = await fake.wait_sent(1, chat_id=chat)
    assert "args=&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in (reply.text or "")


async def test_token_never_reaches_the_logs(
    fake_telegram: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "telegram", "aiohttp"):  # other tests' logging setups may quieten them
        caplog.set_level(logging.DEBUG, logger=name)
    uninstall = install_redaction([fake.token])
    try:
        async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in):
            fake.push_message(chat, alice, "/echo")
            await fake.wait_sent(1, chat_id=chat)
            logging.getLogger("httpx").info("HTTP Request: POST %s/bot%s/getMe", fake.root, fake.token)
    finally:
        uninstall()
    secret = fake.token.split(":", 1)[1]
    assert caplog.records, "PTB logs at DEBUG; nothing captured means the test proves nothing"
    assert "getUpdates" in caplog.text or "get_updates" in caplog.text.lower()
    assert secret not in caplog.text
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert "bot[REDACTED]/getMe" in caplog.text


async def test_group_upgrade_moves_the_subscription(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    bob = fake.user("Bob")
    group = fake.group()
    new_id = -1_009_999_999_999
    async with open_test_store(tmp_path) as store:
        await store.subscribe("telegram", str(group.id), regions=["kyiv-city"])
        async with running_transport(fake, store, stand_in):
            # the service message Telegram sends into the old group when it becomes a supergroup
            fake.push_update({"message": {
                "message_id": 99, "date": 1_751_600_000, "chat": group.to_api(),
                "from": bob.to_api(), "migrate_to_chat_id": new_id,
            }})
            sub = await eventually(lambda: store.get_subscription("telegram", str(new_id)))
        assert sub is not None and sub.active and sub.regions == ("kyiv-city",)


async def test_removed_or_blocked_bot_switches_the_chat_off_at_once(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group, private = fake.group(), fake.private_chat(alice)
    async with open_test_store(tmp_path) as store:
        await store.subscribe("telegram", str(group.id))
        await store.subscribe("telegram", str(private.id))
        async with running_transport(fake, store, stand_in):
            fake.push_my_chat_member(group, alice, "left")  # removed from the group
            fake.push_my_chat_member(private, alice, "kicked")  # Alice blocked the bot

            async def none_active() -> bool:
                return not await store.list_subscriptions()

            await eventually(none_active)
        assert await store.list_subscriptions() == []
        assert len(await store.list_subscriptions(active=False)) == 2


async def test_refused_token_is_a_clear_start_error(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    async with open_test_store(tmp_path) as store:
        deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
        wrong = TelegramTransport("987654321:AAWrongTokenWrongTokenWrongToken12", deps, api_url=fake.root, command_menu={})
        with pytest.raises(TelegramStartError, match="refused STRIKEBOT_TELEGRAM_TOKEN"):
            await wrong.start()
        await fake.stop()
        down = TelegramTransport(fake.token, deps, api_url=fake.root, command_menu={})
        with pytest.raises(TelegramStartError, match="did not answer getMe"):
            await down.start()
