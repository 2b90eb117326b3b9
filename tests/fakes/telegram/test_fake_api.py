"""The fake Bot API behaves like Telegram for the unmodified python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberMember, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TimedOut
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram.api import DEFAULT_TOKEN, FakeBotAPI, Fault, Limits


@pytest.fixture
async def bot(fake_telegram: FakeBotAPI) -> AsyncIterator[Bot]:
    """A PTB Bot talking to the fake."""
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url,
                   base_file_url=fake_telegram.base_file_url) as client:
        yield client


async def test_get_me_answers_as_the_bot(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == fake_telegram.bot_username


async def test_wrong_token_is_unauthorized(fake_telegram: FakeBotAPI) -> None:
    from telegram.error import InvalidToken

    other = Bot("1:wrong", base_url=fake_telegram.base_url)
    with pytest.raises(InvalidToken):
        await other.initialize()  # getMe answers 401
    await other.shutdown()


async def test_send_then_edit_changes_the_stored_text(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    group = fake_telegram.forum("Alerts")
    sent = await bot.send_message(group.id, "<b>first</b>", parse_mode="HTML",
                                  message_thread_id=7)
    assert sent.chat.type == "supergroup" and sent.chat.is_forum
    assert sent.message_thread_id == 7
    assert abs(sent.date - dtm.datetime.now(dtm.UTC)) < dtm.timedelta(seconds=5)
    second = await bot.send_message(group.id, "second")
    assert second.message_id == sent.message_id + 1

    await bot.edit_message_text("<b>fixed</b>", chat_id=group.id, message_id=sent.message_id,
                                parse_mode="HTML")
    assert fake_telegram.text_of(group, sent.message_id) == "<b>fixed</b>"
    assert [c.text for c in fake_telegram.sent(group)] == ["<b>first</b>", "second"]
    assert len(fake_telegram.edits(group)) == 1


async def test_injected_429_is_retry_after(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    fake_telegram.inject(Fault.retry_after(7), method="sendMessage", chat_id=42)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "hello")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(42, "again")  # the fault was armed for one call only
    assert fake_telegram.sent_texts(42) == ["again"]


async def test_blocked_user_is_forbidden(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    fake_telegram.block(42)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(42, "hello")
    assert fake_telegram.sent() == []


async def test_migrated_group_names_the_new_chat(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    group = fake_telegram.group("Old")
    new = fake_telegram.migrate(group)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "hello")
    assert caught.value.new_chat_id == new.id
    message = await bot.send_message(new.id, "hello")
    assert message.chat.type == "supergroup"


async def test_application_answers_a_pushed_command(fake_telegram: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("welcome")

    app = (Application.builder().token(fake_telegram.token).base_url(fake_telegram.base_url)
           .base_file_url(fake_telegram.base_file_url).build())
    app.add_handler(CommandHandler("start", start))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=dtm.timedelta(seconds=1))
    try:
        user = fake_telegram.user("Olena")
        group = fake_telegram.group()
        fake_telegram.push_message(fake_telegram.private_chat(user), user, "/start")
        fake_telegram.push_message(group, user, f"/start@{fake_telegram.bot_username}")
        sent = await fake_telegram.wait_sent(2)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert {c.chat_id for c in sent} == {user.id, group.id}
    assert all(c.text == "welcome" for c in sent)


async def test_updates_carry_commands_callbacks_and_channel_posts(
    bot: Bot, fake_telegram: FakeBotAPI
) -> None:
    user = fake_telegram.user("Taras")
    forum = fake_telegram.forum()
    channel = fake_telegram.channel()
    fake_telegram.push_message(forum, user, "/latest 3", thread_id=12)
    fake_telegram.push_channel_post(channel, "/subscribe")
    alert = await bot.send_message(forum.id, "alert", message_thread_id=12)
    query_id = fake_telegram.push_callback(forum, user, alert.message_id, "more")

    updates = await bot.get_updates(timeout=1)
    command, post, press = updates
    assert command.message is not None and command.message.is_topic_message
    assert command.message.message_thread_id == 12
    assert command.message.parse_entities(["bot_command"]) != {}
    assert post.channel_post is not None and post.channel_post.chat.type == "channel"
    assert press.callback_query is not None and press.callback_query.data == "more"
    assert await bot.answer_callback_query(query_id, text="ok")
    assert fake_telegram.answered_callbacks[query_id]["text"] == "ok"
    # offset confirms: nothing is delivered twice
    assert await bot.get_updates(offset=press.update_id + 1, timeout=0) == ()


async def test_chat_member_follows_the_configuration(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    group = fake_telegram.supergroup()
    admin, member = fake_telegram.user("Admin"), fake_telegram.user("Member")
    fake_telegram.set_admin(group, admin)
    assert isinstance(await bot.get_chat_member(group.id, admin.id), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(group.id, member.id), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(group.id, bot.id), ChatMemberMember)
    assert (await bot.get_chat(group.id)).type == "supergroup"


async def test_edit_errors_match_telegram(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    message = await bot.send_message(42, "same")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("same", chat_id=42, message_id=message.message_id)
    fake_telegram.inject(Fault.not_editable(), method="editMessageText")
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("new", chat_id=42, message_id=message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(42, "<b>unclosed", parse_mode="HTML")
    assert fake_telegram.text_of(42, message.message_id) == "same"


async def test_timeout_fault_outlasts_the_client(fake_telegram: FakeBotAPI) -> None:
    fake_telegram.inject(Fault.timeout(hold=2.0), method="sendMessage")
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "late")
    assert fake_telegram.sent() == []


async def test_enforced_limits_answer_429(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    fake_telegram.enforce_limits(Limits(global_per_second=None))
    group = fake_telegram.group()
    await bot.send_message(42, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(42, "two within a second")
    for n in range(20):
        await bot.send_message(group.id, f"group {n}")
    with pytest.raises(RetryAfter):
        await bot.send_message(group.id, "21st within a minute")
    assert fake_telegram.throttled_429 == 2
    assert fake_telegram.stats()["send_message"] == 21


async def test_paid_broadcasts_have_their_own_overall_cap(bot: Bot, fake_telegram: FakeBotAPI) -> None:
    fake_telegram.enforce_limits(Limits(global_per_second=3, paid_per_second=5))
    for chat in range(1, 4):
        await bot.send_message(chat, "free")
    with pytest.raises(RetryAfter):
        await bot.send_message(4, "a 4th free send within a second")
    for chat in range(10, 15):
        await bot.send_message(chat, "paid", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await bot.send_message(15, "a 6th paid send within a second", allow_paid_broadcast=True)
    # the per-chat limit holds for paid sends too
    with pytest.raises(RetryAfter):
        await bot.send_message(10, "again within a second", allow_paid_broadcast=True)
    assert fake_telegram.throttled_429 == 3
    assert fake_telegram.stats()["send_message"] == 8


async def test_standalone_process_serves_json_clients_and_stats() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram.api", "--port", "0", "--no-store",
        stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[3],
    )
    try:
        assert proc.stdout is not None
        root = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        async with aiohttp.ClientSession() as http:
            url = f"{root}/bot{DEFAULT_TOKEN}/sendMessage"
            async with http.post(url, json={"chat_id": "7", "text": "hi"}) as resp:
                assert (await resp.json())["result"]["chat"]["type"] == "private"
            fault = {"fault": "retry_after", "args": [3], "method": "sendMessage"}
            async with http.post(f"{root}/_fake/inject", json=fault) as resp:
                assert resp.status == 200
            async with http.post(url, json={"chat_id": 7, "text": "again"}) as resp:
                assert resp.status == 429
                assert await resp.json() == {
                    "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3},
                }
            async with http.get(f"{root}/_fake/stats") as resp:
                stats = await resp.json()
            assert stats["send_message"] == 1 and stats["total_429"] == 1
            async with http.get(f"{root}/_fake/send_times") as resp:
                times = await resp.json()
            # the refused call is not a send: one arrival time, the one the stats report first
            assert times == [stats["first_send_message_wall"]]
    finally:
        proc.terminate()
        await proc.wait()
