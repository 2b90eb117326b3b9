"""Per-chat ordering: a busy chat's queue never takes the concurrency slots other chats need."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.transports.telegram.order import PerChatOrderProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.GROUP)
    return Update(update_id, message=Message(update_id, datetime(2025, 7, 4, tzinfo=UTC), chat, text="/stats"))


async def test_a_busy_chat_does_not_block_other_chats() -> None:
    processor = PerChatOrderProcessor(2)
    release_a = asyncio.Event()
    handled: list[str] = []

    async def handler(name: str, block: bool) -> None:
        if block:
            await release_a.wait()
        handled.append(name)

    # chat A: one slow update and five queued behind it, as from a busy group
    tasks = [asyncio.create_task(processor.process_update(update(i, -1), handler(f"A{i}", True))) for i in range(6)]
    await asyncio.sleep(0.01)
    b = asyncio.create_task(processor.process_update(update(99, -2), handler("B", False)))
    try:
        # B needs nothing of A: it finishes at once, or (the bug) only when A is released below
        await asyncio.wait({b}, timeout=30)
        assert handled == ["B"], "chat B waited for chat A's queue"
    finally:
        release_a.set()
        await asyncio.gather(*tasks, b)
    assert handled == ["B", *(f"A{i}" for i in range(6))], "chat A still in the order it wrote"


async def test_the_concurrency_limit_still_holds() -> None:
    processor = PerChatOrderProcessor(2)
    running = peak = 0

    async def handler() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    await asyncio.gather(*(processor.process_update(update(i, -i), handler()) for i in range(1, 9)))
    assert peak == 2
    assert processor.limit == 2 and processor.running == 0
