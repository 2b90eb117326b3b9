"""Concurrent update processing that still answers each chat in the order it wrote."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's semaphore only needs a bound; ours (taken after the chat lock) is the real one
_UNBOUNDED = 1_000_000


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerChatOrderProcessor(BaseUpdateProcessor):
    """Up to N updates at once across chats, one at a time within a chat.

    Two commands in one chat (a /post and its Confirm press, say) must be
    handled in order; different chats need not wait for each other.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        # PTB's own semaphore is held while waiting for a chat's lock, so a busy chat's
        # queue would take every slot; it gets a bound it never reaches, and the real
        # limit is taken only once the chat's lock is ours
        super().__init__(_UNBOUNDED)
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be a positive integer")
        self._limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._running = 0
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @property
    def limit(self) -> int:
        """How many updates run at once (max_concurrent_updates is PTB's outer bound)."""
        return self._limit

    @property
    def running(self) -> int:
        """Updates running right now, not counting those queued behind their chat."""
        return self._running

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            self._running += 1
            try:
                await coroutine
            finally:
                self._running -= 1

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handler coroutine under its chat's lock, then a free slot."""
        key = _chat_key(update)
        if key is None:
            await self._run(coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._run(coroutine)
        finally:
            # forget idle chats so the table does not grow with every chat ever seen
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
