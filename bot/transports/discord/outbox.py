"""The Transport implementation the dispatcher uses for Discord: send and edit, errors mapped to outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import discord

from bot.transports.base import Outcome, SendResult, Target
from bot.transports.discord.render import RenderedMessage, render_embed
from handlers.context import Message

# Discord JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001
CANNOT_DM_USER = 50007
MISSING_PERMISSIONS = 50013
_GONE_CODES = frozenset({UNKNOWN_CHANNEL, MISSING_ACCESS, CANNOT_DM_USER, MISSING_PERMISSIONS})

T = TypeVar("T")


def _retry_after_header(exc: discord.HTTPException) -> float:
    raw = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else 60.0
    except ValueError:
        return 60.0


def classify(exc: BaseException, *, editing: bool = False) -> SendResult:
    """Reduce a discord.py / network exception to the dispatcher's outcome."""
    error = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, discord.RateLimited):
        # raised instead of sleeping when retry_after exceeds the client's max_ratelimit_timeout
        return SendResult(Outcome.RETRY_AFTER, retry_after=exc.retry_after, error=error)
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            # a 429 discord.py did not retry (no Via header: Cloudflare) holds every request
            return SendResult(
                Outcome.RETRY_AFTER, retry_after=_retry_after_header(exc), global_limit=True, error=error
            )
        if exc.status >= 500:
            return SendResult(Outcome.TRANSIENT, error=error)
        if editing and exc.code == UNKNOWN_MESSAGE:
            return SendResult(Outcome.NOT_EDITABLE, error=error)
        if exc.code in _GONE_CODES or exc.status == 403:
            return SendResult(Outcome.GONE, error=error)
        if exc.status == 404:
            return SendResult(Outcome.NOT_EDITABLE if editing else Outcome.GONE, error=error)
        return SendResult(Outcome.REJECTED, error=error)
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return SendResult(Outcome.TRANSIENT, error=error)
    raise exc


class DiscordOutbox:
    """Transport for the delivery dispatcher: posts embeds to channels/threads and edits them."""

    platform = "discord"

    def __init__(self, client: discord.Client, *, timeout: float = 20.0) -> None:
        self._client = client
        self._timeout = timeout

    def render(self, message: Message) -> RenderedMessage:
        """Neutral Message → embed payload; rendered once, sent many times."""
        return render_embed(message)

    def _channel(self, target: Target) -> discord.PartialMessageable:
        # a Discord thread is a channel of its own: post straight into it
        return self._client.get_partial_messageable(int(target.thread_id or target.chat_id))

    async def _call(self, call: Callable[[], Awaitable[T]], *, editing: bool) -> T | SendResult:
        try:
            return await asyncio.wait_for(call(), self._timeout)
        except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError) as exc:
            return classify(exc, editing=editing)

    async def send(self, target: Target, rendered: RenderedMessage, *, reply_to: str | None = None) -> SendResult:
        """Post a new message; `reply_to` makes it a reply to an earlier one (when it still exists)."""
        channel = self._channel(target)
        kwargs = rendered.send_kwargs()
        if target.silent:
            # the SUPPRESS_NOTIFICATIONS flag: posted, but nobody's phone buzzes
            kwargs["silent"] = True
        if reply_to is not None:
            kwargs["reference"] = discord.MessageReference(
                message_id=int(reply_to), channel_id=channel.id, fail_if_not_exists=False
            )
        result = await self._call(lambda: channel.send(**kwargs), editing=False)
        if isinstance(result, SendResult):
            return result
        return SendResult(Outcome.OK, message_id=str(result.id))

    async def edit(self, target: Target, message_id: str, rendered: RenderedMessage) -> SendResult:
        """Replace a sent message's embed (corrections, retractions)."""
        partial = self._channel(target).get_partial_message(int(message_id))
        result = await self._call(lambda: partial.edit(**rendered.edit_kwargs()), editing=True)
        if isinstance(result, SendResult):
            return result
        return SendResult(Outcome.OK, message_id=message_id)
