"""Fixtures for command tests: an empty in-memory store, a wake counter, deps with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.context import HandlerDeps
from storage.sqlite import SqliteStore
from tests.handlers.chat import KYIV, NOW, Wakes


@pytest.fixture
async def store() -> AsyncIterator[SqliteStore]:
    """An empty in-memory store."""
    async with SqliteStore(":memory:") as s:
        yield s


@pytest.fixture
def wakes() -> Wakes:
    return Wakes()


@pytest.fixture
def deps(store: SqliteStore, wakes: Wakes) -> HandlerDeps:
    """Deps with Kyiv time and a clock fixed at NOW."""
    return HandlerDeps(store=store, timezone=KYIV, wake_dispatcher=wakes, now=lambda: NOW)
