"""The fake Bot API behaves like Telegram for the unmodified python-telegram-bot."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update
from telegram.error import ChatMigrated, Forbidden, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakes.telegram_api import FakeBotAPI, Fault
from tests.fakes.telegram_fixtures import fake_telegram

__all__ = ["fake_telegram"]


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
