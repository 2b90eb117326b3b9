"""Pytest fixtures for the fake Bot API; import them into a conftest.py to use them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram.api import FakeBotAPI


@pytest.fixture
async def fake_telegram(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotAPI]:
    """A running fake Bot API; STRIKEBOT_TELEGRAM_API_URL / _TOKEN point at it for the test."""
    # PTB 22 warns (an error under filterwarnings=error) whenever it builds RetryAfter
    # or other time-valued objects unless the timedelta behaviour is opted into.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    async with FakeBotAPI() as fake:
        monkeypatch.setenv("STRIKEBOT_TELEGRAM_API_URL", fake.root)
        monkeypatch.setenv("STRIKEBOT_TELEGRAM_TOKEN", fake.token)
        yield fake
