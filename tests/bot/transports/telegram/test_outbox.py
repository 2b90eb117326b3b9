"""The Telegram delivery Transport: sends, edits and every error outcome, via the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import Bot
from telegram.request import RequestData

from bot.transports.base import Outcome, Target
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.render import NO_PREVIEW
from bot.transports.telegram.request import AiohttpRequest
from handlers.context import Button, Image, Message
from tests.fakes.telegram.api import FakeBotAPI, Fault

ALERT = Message(title="Night of 4 July", lines=["550 launched", "478 neutralized"], footer="Air Force")


class ImpatientSends(AiohttpRequest):
    """The bot's request backend, giving up on a sendMessage after half a second.

    Only sends: getMe at start keeps the ordinary timeouts, so a busy machine cannot
    fail the start; the one send the test makes is held by the fake until it closes.
    """

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kw: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            kw["read_timeout"] = 0.5
        return await super().do_request(url, method, request_data, **kw)


@asynccontextmanager
async def outbox_on(fake: FakeBotAPI, request: AiohttpRequest) -> AsyncIterator[TelegramOutbox]:
    """An outbox on a plain Bot sending through `request`."""
    bot = Bot(
        fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=request,
        get_updates_request=AiohttpRequest(),
    )
    async with bot:
        yield TelegramOutbox(bot)


@pytest.fixture
async def outbox(fake_telegram: FakeBotAPI) -> AsyncIterator[TelegramOutbox]:
    """An outbox on a plain Bot with the backend's ordinary timeouts (a busy machine only makes it slower)."""
    async with outbox_on(fake_telegram, AiohttpRequest()) as outbox:
        yield outbox


async def test_send_and_edit(fake_telegram: FakeBotAPI, outbox: TelegramOutbox) -> None:
    fake = fake_telegram
    chat = fake.private_chat(fake.user())
    target = Target(str(chat.id))
    sent = await outbox.send(target, outbox.render(ALERT))
    assert sent.outcome == Outcome.OK and sent.message_id
    assert fake.text_of(chat, int(sent.message_id)) == (
        "<b>Night of 4 July</b>\n550 launched\n478 neutralized\n<i>Air Force</i>"
    )
    corrected = Message(title="Night of 4 July (corrected)", lines=["551 launched"])
    edited = await outbox.edit(target, sent.message_id, outbox.render(corrected))
    assert edited.outcome == Outcome.OK and edited.message_id == sent.message_id
    assert fake.text_of(chat, int(sent.message_id)) == "<b>Night of 4 July (corrected)</b>\n551 launched"
    # the same content again is "not modified": nothing to do, not an error
    again = await outbox.edit(target, sent.message_id, outbox.render(corrected))
    assert again.outcome == Outcome.OK


async def test_forum_topic_reply_and_photo(fake_telegram: FakeBotAPI, outbox: TelegramOutbox) -> None:
    fake = fake_telegram
    forum = fake.forum()
    target = Target(str(forum.id), "55")
    first = await outbox.send(target, outbox.render(ALERT))
    follow = await outbox.send(target, outbox.render(Message(lines=["follow-up"])), reply_to=first.message_id)
    photo = await outbox.send(target, outbox.render(Message(title="Chart", image=Image(b"\x89PNG fake"))))
    assert {first.outcome, follow.outcome, photo.outcome} == {Outcome.OK}
    calls = fake.sent(forum)
    assert [c.params["message_thread_id"] for c in calls] == [55, 55, 55]
    assert calls[2].method == "sendPhoto" and calls[2].params["photo"] == b"\x89PNG fake"
    assert calls[2].params["caption"] == "<b>Chart</b>"
    caption = await outbox.edit(target, str(photo.message_id), outbox.render(Message(title="Chart 2", image=Image(b"x"))))
    assert caption.outcome == Outcome.OK
    assert fake.edits(forum)[-1].method == "editMessageCaption"


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (Fault.blocked(), Outcome.GONE),
        (Fault.kicked(), Outcome.GONE),
        (Fault.chat_not_found(), Outcome.GONE),
        (Fault.error(400, "Bad Request: user is deactivated"), Outcome.GONE),
        (Fault.server_error(502), Outcome.TRANSIENT),
        (Fault.server_error(500), Outcome.TRANSIENT),
        (Fault.disconnect(), Outcome.TRANSIENT),
        (Fault.error(400, "Bad Request: can't parse entities"), Outcome.REJECTED),
    ],
)
async def test_send_faults(
    fake_telegram: FakeBotAPI, outbox: TelegramOutbox, fault: Fault, outcome: Outcome
) -> None:
    fake = fake_telegram
    chat = fake.group()
    fake.inject(fault, method="sendMessage", chat_id=chat)
    result = await outbox.send(Target(str(chat.id)), outbox.render(ALERT))
    assert result.outcome == outcome
    assert result.error
    # exactly one request: PTB did not retry behind the dispatcher's back
    assert len(fake.calls("sendMessage")) == 1


async def test_send_timeout_is_transient(fake_telegram: FakeBotAPI) -> None:
    fake = fake_telegram
    chat = fake.group()
    # held until the fake closes: whatever the machine's speed, the client gives up first
    fake.inject(Fault.timeout(hold=60.0), method="sendMessage", chat_id=chat)
    async with outbox_on(fake, ImpatientSends()) as outbox:
        result = await outbox.send(Target(str(chat.id)), outbox.render(ALERT))
    assert result.outcome == Outcome.TRANSIENT
    assert result.error
    # exactly one request: PTB did not retry behind the dispatcher's back (a held call is recorded on arrival)
    assert len(fake.calls("sendMessage")) == 1


async def test_retry_after_and_migration(fake_telegram: FakeBotAPI, outbox: TelegramOutbox) -> None:
    fake = fake_telegram
    chat = fake.group()
    fake.inject(Fault.retry_after(7), method="sendMessage", chat_id=chat)
    limited = await outbox.send(Target(str(chat.id)), outbox.render(ALERT))
    assert limited.outcome == Outcome.RETRY_AFTER and limited.retry_after == 7.0
    new = fake.migrate(chat)
    moved = await outbox.send(Target(str(chat.id)), outbox.render(ALERT))
    assert moved.outcome == Outcome.MOVED and moved.new_chat_id == str(new.id)
    assert len(fake.calls("sendMessage")) == 2


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (Fault.not_editable(), Outcome.NOT_EDITABLE),
        (Fault.message_not_found(), Outcome.NOT_EDITABLE),
        (Fault.not_modified(), Outcome.OK),
        (Fault.blocked(), Outcome.GONE),
    ],
)
async def test_edit_faults(
    fake_telegram: FakeBotAPI, outbox: TelegramOutbox, fault: Fault, outcome: Outcome
) -> None:
    fake = fake_telegram
    chat = fake.private_chat(fake.user())
    sent = await outbox.send(Target(str(chat.id)), outbox.render(ALERT))
    assert sent.message_id
    fake.inject(fault, method="editMessageText")
    result = await outbox.edit(Target(str(chat.id)), sent.message_id, outbox.render(Message(title="new")))
    assert result.outcome == outcome


TRICKY = Message(
    title="Ніч 4 липня & 5 = 2+3",
    lines=["ракети 11 + дрони 539 → 50% збито 🛡", "a&b=c?d#e"],
    buttons=[Button("Карта & більше", "stats 7d region=Київ&x")],
)


async def test_fan_out_body_matches_the_bots_own_send_message(fake_telegram: FakeBotAPI, outbox: TelegramOutbox) -> None:
    """The alert's form, encoded once for all chats, says what PTB's own send_message says, field by field."""
    fake = fake_telegram
    forum = fake.forum()
    payload = outbox.render(TRICKY)
    quiet = Target(str(forum.id), "77", silent=True)
    ours = await outbox.send(quiet, payload)
    assert ours.outcome == Outcome.OK
    await outbox.bot.send_message(
        chat_id=forum.id, text=payload.text, parse_mode="HTML", reply_markup=payload.reply_markup,
        message_thread_id=77, disable_notification=True, link_preview_options=NO_PREVIEW,
    )
    mine, theirs = fake.sent(forum)
    assert mine.params == theirs.params
    assert mine.params["text"].startswith("<b>Ніч 4 липня &amp; 5 = 2+3</b>")
    assert mine.params["disable_notification"] is True and mine.params["message_thread_id"] == 77
    assert fake.text_of(forum, int(ours.message_id or 0)) == payload.text


async def test_another_request_backend_still_sends(fake_telegram: FakeBotAPI) -> None:
    """With PTB's default HTTPX backend the outbox goes through the Bot's own methods."""
    fake = fake_telegram
    chat = fake.private_chat(fake.user())
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        outbox = TelegramOutbox(bot, paid_broadcast=True)
        sent = await outbox.send(Target(str(chat.id)), outbox.render(TRICKY))
    assert sent.outcome == Outcome.OK
    (call,) = fake.sent(chat)
    assert call.params["allow_paid_broadcast"] is True
    assert "🛡" in call.params["text"]


class CannedAnswer(AiohttpRequest):
    """The bot's request backend answering every call with one fixed HTTP answer, as a proxy might."""

    def __init__(self, status: int, answer: bytes) -> None:
        super().__init__()
        self.answer = (status, answer)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kw: Any) -> tuple[int, bytes]:
        return self.answer


@pytest.mark.parametrize(("answer", "message_id"), [
    (b'{"ok":true,"result":{"message_id":4321,"from":{"id":1,"is_bot":true},"text":"x"}}', 4321),
    (b'{"ok": true, "result": {"message_id": 98765432101, "date": 1}}', 98765432101),
    # message_id not first (another server, a proxy): decoded in full, the same id
    (b'{"ok":true,"result":{"date":1,"chat":{"id":5},"message_id":77,"text":"x"}}', 77),
    (b'{"result":{"message_id":78},"ok":true}', 78),
], ids=["bot-api-order", "spaced-big-id", "id-later", "ok-last"])
async def test_a_send_reads_the_message_id_from_any_answer(answer: bytes, message_id: int) -> None:
    """A fan-out send reads a successful answer only as far as its message_id, whatever its layout."""
    async with CannedAnswer(200, answer) as request:
        outbox = TelegramOutbox(Bot("1:fake", request=request))
        sent = await outbox.send(Target("5"), outbox.render(ALERT))
    assert sent.outcome == Outcome.OK and sent.message_id == str(message_id)


async def test_a_refused_send_still_says_why() -> None:
    answer = b'{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}'
    async with CannedAnswer(403, answer) as request:
        outbox = TelegramOutbox(Bot("1:fake", request=request))
        sent = await outbox.send(Target("5"), outbox.render(ALERT))
    assert sent.outcome == Outcome.GONE and "blocked by the user" in (sent.error or "")
