"""Fixtures of the Telegram transport tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.sqlite import SqliteStore


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # what `strikebot run` sets: PTB 22 warns about RetryAfter's type otherwise (an error here)
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    yield


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """An empty SQLite store in the test's directory."""
    async with SqliteStore(str(tmp_path / "bot.db")) as s:
        yield s
