"""Command replies through the platform's shared budget: ahead of alerts, and a 429 waited out, never dropped."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.delivery.ratelimit import ChatLimiter, Clock, GlobalLimiter, PlatformLimits, no_chat_windows
from bot.transports.base import Outcome, SendResult

log = logging.getLogger(__name__)

Attempt = Callable[[], Awaitable[SendResult]]

# a reply that still cannot go after this long answers nobody any more
GIVE_UP_AFTER = 600.0
# network errors and 5xx: a few more tries, spaced out
TRANSIENT_TRIES = 3
TRANSIENT_PAUSE = 1.0


class ReplyPacer:
    """Sends a transport's replies within the budget it shares with the dispatcher's alerts.

    A reply takes an urgent turn of the platform's overall rate (a person is
    waiting, alerts queued at the same moment go after it) and waits out a
    hold the platform put on the chat. It does not wait for our own per-chat
    windows, which exist to spread alerts: it is counted in them, so alerts to
    that chat keep their distance from it. A 429 is waited out (retry_after)
    and the reply tried again.
    """

    def __init__(self, limits: PlatformLimits, *, clock: Clock = time.monotonic) -> None:
        """Pace within `limits` (the very objects the dispatcher paces that platform's alerts with)."""
        self._limits = limits
        self._clock = clock

    @classmethod
    def unshared(cls) -> ReplyPacer:
        """A pacer with no rate of its own that still waits out 429s (a transport built without the app)."""
        return cls(PlatformLimits(GlobalLimiter(0.0), ChatLimiter(no_chat_windows)))

    async def deliver(self, chat_id: str, attempt: Attempt) -> SendResult:
        """Run `attempt` (one platform call for a reply in `chat_id`) until it goes through or cannot."""
        overall, chats = self._limits.overall, self._limits.chats
        deadline = self._clock() + GIVE_UP_AFTER
        failures = 0
        while True:
            held = chats.held_for(chat_id)
            if held > 0:
                await asyncio.sleep(held)
            await overall.acquire(urgent=True)
            chats.note(chat_id)
            result = await attempt()
            if result.outcome == Outcome.RETRY_AFTER:
                seconds = max(0.0, result.retry_after or 1.0)
                if result.global_limit:
                    overall.pause(seconds)
                else:
                    chats.hold(chat_id, seconds)
                if self._clock() + seconds > deadline:
                    return result
                log.info("reply to chat %s waits %.1fs as the platform asked (429)", chat_id, seconds)
                continue
            if result.outcome == Outcome.TRANSIENT and failures < TRANSIENT_TRIES:
                failures += 1
                log.info("reply to chat %s failed (%s); trying again", chat_id, result.error)
                await asyncio.sleep(TRANSIENT_PAUSE * 2 ** (failures - 1))
                continue
            return result
