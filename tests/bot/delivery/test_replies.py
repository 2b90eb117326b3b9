"""Replies in the shared budget: ahead of alerts waiting for the same rate, 429s and outages waited out."""

from __future__ import annotations

import asyncio
import time

import pytest

import bot.delivery.replies as replies
from bot.delivery.ratelimit import ChatLimiter, GlobalLimiter, PlatformLimits, no_chat_windows
from bot.delivery.replies import Attempt, ReplyPacer
from bot.transports.base import Outcome, SendResult


def limits(rate: float = 0.0) -> PlatformLimits:
    return PlatformLimits(GlobalLimiter(rate), ChatLimiter(no_chat_windows))


def scripted(*answers: SendResult) -> tuple[list[float], Attempt]:
    """An attempt that answers in turn with `answers`, then OK; and the times it was called."""
    calls: list[float] = []
    queue = list(answers)

    async def attempt() -> SendResult:
        calls.append(time.monotonic())
        return queue.pop(0) if queue else SendResult(Outcome.OK, message_id="1")

    return calls, attempt


async def test_a_reply_goes_before_the_alerts_already_waiting_for_the_rate() -> None:
    overall = GlobalLimiter(20.0)  # one slot every ~50 ms
    order: list[str] = []

    async def take(name: str, urgent: bool) -> None:
        await overall.acquire(urgent=urgent)
        order.append(name)

    alerts = [asyncio.create_task(take(f"alert{i}", False)) for i in range(6)]
    await asyncio.sleep(0.01)  # the alerts are queued first
    await asyncio.gather(take("reply", True), *alerts)
    # at most the alert holding the turn and the one whose slot was already being waited for go first
    assert order.index("reply") <= 2
    assert order[-1].startswith("alert")


async def test_a_global_429_is_waited_out_and_holds_the_alerts_too() -> None:
    shared = limits()
    calls, attempt = scripted(SendResult(Outcome.RETRY_AFTER, retry_after=0.3, global_limit=True))
    result = await ReplyPacer(shared).deliver("42", attempt)
    assert result.outcome == Outcome.OK
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.29
    assert shared.overall.paused_for() == 0.0  # the pause is over, and it applied to everyone


async def test_a_chat_429_holds_that_chat_for_alerts_as_well() -> None:
    shared = limits()
    _calls, attempt = scripted(SendResult(Outcome.RETRY_AFTER, retry_after=0.2))
    task = asyncio.create_task(ReplyPacer(shared).deliver("42", attempt))
    await asyncio.sleep(0.05)
    assert shared.chats.wait_for("42") > 0.1 and shared.chats.wait_for("43") == 0.0
    assert (await task).outcome == Outcome.OK


async def test_outages_are_tried_again_and_a_gone_chat_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replies, "TRANSIENT_PAUSE", 0.01)
    calls, attempt = scripted(SendResult(Outcome.TRANSIENT, error="502"), SendResult(Outcome.TRANSIENT, error="timeout"))
    assert (await ReplyPacer(limits()).deliver("42", attempt)).outcome == Outcome.OK
    assert len(calls) == 3
    calls, attempt = scripted(SendResult(Outcome.GONE, error="bot was blocked"))
    assert (await ReplyPacer(limits()).deliver("42", attempt)).outcome == Outcome.GONE
    assert len(calls) == 1
