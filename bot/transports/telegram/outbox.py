"""The delivery Transport for Telegram: send / edit a rendered payload, map errors to outcomes."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any
from urllib.parse import quote_plus

from telegram import Bot, InputFile, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.transports.base import Outcome, SendResult, Target
from bot.transports.telegram.render import NO_PREVIEW, TelegramPayload, render
from bot.transports.telegram.request import AiohttpRequest
from handlers.context import Message

# Bot API descriptions of a chat we can never reach again (400s; 403s are all "gone")
_GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "bot was blocked",
    "group chat was deactivated",
    "have no rights to send",
    "not enough rights to send",
    "need administrator rights",
    "message thread not found",
    "topic_closed",
    "topic_deleted",
)
_NOT_EDITABLE = ("message can't be edited", "message to edit not found", "message_id_invalid")
_NOT_MODIFIED = "message is not modified"



def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter's delay in seconds; PTB 22 may hand out an int or a timedelta."""
    with warnings.catch_warnings():
        # reading the attribute warns about its future type; we accept both types
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def classify(exc: TelegramError, *, message_id: str | None = None) -> SendResult:
    """Reduce a python-telegram-bot error to the dispatcher's outcome."""
    text = str(exc)
    low = text.lower()
    if isinstance(exc, RetryAfter):
        return SendResult(Outcome.RETRY_AFTER, retry_after=retry_after_seconds(exc), error=text)
    if isinstance(exc, ChatMigrated):
        return SendResult(Outcome.MOVED, new_chat_id=str(exc.new_chat_id), error=text)
    if isinstance(exc, Forbidden):
        return SendResult(Outcome.GONE, error=text)
    # BadRequest and TimedOut are both NetworkErrors in PTB: BadRequest first
    if isinstance(exc, BadRequest):
        if _NOT_MODIFIED in low:
            return SendResult(Outcome.OK, message_id=message_id)
        if any(s in low for s in _NOT_EDITABLE):
            return SendResult(Outcome.NOT_EDITABLE, error=text)
        if any(s in low for s in _GONE):
            return SendResult(Outcome.GONE, error=text)
        return SendResult(Outcome.REJECTED, error=text)
    if isinstance(exc, InvalidToken):
        return SendResult(Outcome.REJECTED, error=text)
    if isinstance(exc, NetworkError):
        return SendResult(Outcome.TRANSIENT, error=text)
    # e.g. an unparsable answer from a proxy: likely to pass on a later try
    return SendResult(Outcome.TRANSIENT, error=text)


def _thread(target: Target) -> int | None:
    return int(target.thread_id) if target.thread_id else None


class TelegramOutbox:
    """Transport protocol over a python-telegram-bot Bot (no rate limiter, no retries inside).

    The dispatcher owns pacing and retries, so it must see every 429 and
    error: the bot passed in must not have AIORateLimiter installed.
    """

    platform = "telegram"

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        """Send through `bot`; `paid_broadcast` sends alerts with allow_paid_broadcast (billed in Stars)."""
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    def render(self, message: Message) -> TelegramPayload:
        """Neutral Message → HTML payload within Telegram's limits."""
        return render(message)

    async def send(
        self, target: Target, rendered: TelegramPayload, *, reply_to: str | None = None
    ) -> SendResult:
        """sendMessage (or sendPhoto) to the chat / forum topic."""
        try:
            if rendered.photo is None and reply_to is None and isinstance(self.bot.request, AiohttpRequest):
                sent = await self._send_text(self.bot.request, target, rendered)
            else:
                sent = await self._send_other(target, rendered, reply_to)
        except TelegramError as exc:
            return classify(exc)
        return SendResult(Outcome.OK, message_id=str(sent["message_id"]))

    async def _send_text(self, request: AiohttpRequest, target: Target, rendered: TelegramPayload) -> Any:
        """The fan-out's request: the chat's fields in front of the payload's form, encoded once per payload.

        Through PTB's request path (BaseRequest.post: its error mapping, RetryAfter
        and all), without turning the same parameters into objects for every chat
        nor building a Message from the answer: only its message_id is read.
        """
        parts = [b"chat_id=", quote_plus(target.chat_id).encode("ascii")]
        if target.thread_id:
            parts += [b"&message_thread_id=", str(int(target.thread_id)).encode("ascii")]
        if target.silent:
            parts.append(b"&disable_notification=true")
        if self.paid_broadcast:
            parts.append(b"&allow_paid_broadcast=true")
        parts += [b"&", rendered.message_form]
        return await request.post_encoded(f"{self.bot.base_url}/sendMessage", b"".join(parts))

    async def _send_other(self, target: Target, rendered: TelegramPayload, reply_to: str | None) -> Any:
        """A photo, a reply, or another request backend: through the Bot's own methods."""
        reply = ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True) if reply_to else None
        common: dict[str, Any] = {
            "chat_id": target.chat_id,
            "parse_mode": rendered.parse_mode,
            "reply_markup": rendered.reply_markup,
            "message_thread_id": _thread(target),
            "disable_notification": target.silent,
            "reply_parameters": reply,
            "allow_paid_broadcast": True if self.paid_broadcast else None,
        }
        if rendered.photo is not None:
            photo = InputFile(rendered.photo, filename=rendered.photo_name)
            sent = await self.bot.send_photo(photo=photo, caption=rendered.text, **common)
        else:
            sent = await self.bot.send_message(text=rendered.text, link_preview_options=NO_PREVIEW, **common)
        return {"message_id": sent.message_id}

    async def edit(self, target: Target, message_id: str, rendered: TelegramPayload) -> SendResult:
        """editMessageText (editMessageCaption for a photo) of a message we sent."""
        try:
            if rendered.photo is not None:
                await self.bot.edit_message_caption(
                    chat_id=target.chat_id,
                    message_id=int(message_id),
                    caption=rendered.text,
                    parse_mode=rendered.parse_mode,
                    reply_markup=rendered.reply_markup,
                )
            else:
                await self.bot.edit_message_text(
                    chat_id=target.chat_id,
                    message_id=int(message_id),
                    text=rendered.text,
                    parse_mode=rendered.parse_mode,
                    reply_markup=rendered.reply_markup,
                    link_preview_options=NO_PREVIEW,
                )
        except TelegramError as exc:
            return classify(exc, message_id=message_id)
        return SendResult(Outcome.OK, message_id=message_id)
