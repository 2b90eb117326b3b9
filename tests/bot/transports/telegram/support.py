"""Shared pieces for the Telegram transport tests: a store, deps, a running transport."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.transports.telegram.transport import TelegramTransport
from handlers.context import CommandContext, HandlerDeps, Message
from storage.factory import open_store
from storage.protocol import Store
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.records import PATIENCE

ADMIN_ID = 4242
MENU = {
    "en": [("start", "Start"), ("help", "What I can do"), ("echo", "Echo"), ("buttons", "Buttons"), ("manage", "Manage")],
    "uk": [("start", "Почати"), ("help", "Що я вмію"), ("echo", "Луна"), ("buttons", "Кнопки"), ("manage", "Керувати")],
}

Handle = Callable[[CommandContext, HandlerDeps], Awaitable[list[Message]]]
T = TypeVar("T")


@asynccontextmanager
async def open_test_store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh SQLite store in the test's directory."""
    async with open_store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        yield store


@asynccontextmanager
async def running_transport(
    fake: FakeBotAPI, store: Store, handle: Handle | None, *, menu: object = MENU, **kw: object
) -> AsyncIterator[TelegramTransport]:
    """A started TelegramTransport polling the fake with a 1 s long-poll."""
    deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
    transport = TelegramTransport(
        fake.token,
        deps,
        api_url=fake.root,
        admins=[f"telegram:{ADMIN_ID}"],
        handle=handle,
        command_menu=menu,  # type: ignore[arg-type]
        poll_timeout=1,
        **kw,  # type: ignore[arg-type]
    )
    async with transport:
        yield transport


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = PATIENCE) -> T:
    """Ask `check` until it answers something truthy and return that; fail after `timeout` s (a bound, not a speed check)."""
    deadline = time.monotonic() + timeout
    while not (value := await check()):
        assert time.monotonic() < deadline, f"not so within {timeout} s"
        await asyncio.sleep(0.02)
    return value
