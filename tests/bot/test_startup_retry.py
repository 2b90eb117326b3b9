"""`strikebot run` waits for a platform it cannot reach at start, and gives up only on a refused token.

At boot the network may come up after the bot; a platform may answer 5xx for
a minute. Each failure is logged (token masked) and retried with backoff;
a token the platform refuses ends the start at once with one line.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.app import running
from bot.settings import Settings
from bot.startup import StartupBackoff, StartupError, StopRequested
from tests.fakes.discord.api import BOT_TOKEN, FakeDiscord
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.faults import Fault

QUICK = StartupBackoff(first=0.05, longest=0.2)


def _settings(tmp_path: Path, **platform: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'start.db'}",
        api_host="",
        seed="none",
        **platform,  # type: ignore[arg-type]
    )


def _retries(caplog: pytest.LogCaptureFixture, platform: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.startup" and getattr(r, "platform", None) == platform]


def test_backoff_doubles_up_to_the_longest_wait() -> None:
    delays = StartupBackoff(first=1.0, longest=60.0).delays()
    assert [next(delays) for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_telegram_getme_failing_at_start_is_retried_until_it_answers(
    fake_telegram: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_telegram.inject(Fault.server_error(502), method="getMe", times=2)
    settings = _settings(tmp_path, telegram_token=fake_telegram.token, telegram_api_url=fake_telegram.root)
    caplog.set_level(logging.INFO)
    async with running(settings, backoff=QUICK) as (runtime, _):
        assert set(runtime.transports) == {"telegram"}
    retries = _retries(caplog, "telegram")
    assert [r.attempt for r in retries] == [1, 2]  # type: ignore[attr-defined]
    assert all(r.levelno == logging.WARNING and "retrying in" in r.getMessage() for r in retries)
    secret = fake_telegram.token.split(":")[1]
    assert secret not in caplog.text and fake_telegram.token not in caplog.text


async def test_telegram_refusing_the_token_stops_the_start_at_once(
    fake_telegram: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_telegram.inject(Fault.error(401, "Unauthorized"), method="getMe", times=None)
    settings = _settings(tmp_path, telegram_token=fake_telegram.token, telegram_api_url=fake_telegram.root)
    with pytest.raises(StartupError, match="Telegram refused STRIKEBOT_TELEGRAM_TOKEN"):
        async with running(settings, backoff=QUICK):
            pass
    assert _retries(caplog, "telegram") == []


async def test_discord_login_failing_at_start_is_retried_until_it_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeDiscord() as fake:
        # 503 is not one of the statuses discord.py retries by itself
        fake.faults.fail("GET", r"^/users/@me$", 503, times=2)
        settings = _settings(tmp_path, discord_token=BOT_TOKEN, discord_api_url=fake.api_url)
        caplog.set_level(logging.INFO)
        async with running(settings, backoff=QUICK) as (runtime, _):
            assert set(runtime.transports) == {"discord"}
    assert [r.attempt for r in _retries(caplog, "discord")] == [1, 2]  # type: ignore[attr-defined]
    assert BOT_TOKEN not in caplog.text


async def test_discord_refusing_the_token_stops_the_start_at_once(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        settings = _settings(tmp_path, discord_token="not-the-bot-token", discord_api_url=fake.api_url)
        with pytest.raises(StartupError, match="Discord refused STRIKEBOT_DISCORD_TOKEN"):
            async with running(settings, backoff=QUICK):
                pass


async def test_a_stop_signal_ends_the_retries(
    fake_telegram: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_telegram.inject(Fault.server_error(502), method="getMe", times=None)
    settings = _settings(tmp_path, telegram_token=fake_telegram.token, telegram_api_url=fake_telegram.root)
    stop = asyncio.Event()

    async def stop_after_a_failure() -> None:
        while not _retries(caplog, "telegram"):
            await asyncio.sleep(0.01)
        stop.set()

    stopper = asyncio.create_task(stop_after_a_failure())
    with pytest.raises(StopRequested):
        async with asyncio.timeout(10):
            async with running(settings, stop=stop, backoff=StartupBackoff(first=30.0, longest=30.0)):
                pass
    await stopper
