"""The collector's settings while the bot runs (bot/heap.py): applied after start-up, undone at the stop."""

from __future__ import annotations

import gc
from pathlib import Path

from bot.app import running
from bot.heap import YOUNG_THRESHOLD, steady_heap
from bot.settings import Settings
from tests.fakes.telegram.api import FakeBotAPI


def test_the_start_up_heap_is_frozen_and_young_collections_are_rarer_until_the_end() -> None:
    before = gc.get_threshold()
    kept = [object() for _ in range(3)]
    with steady_heap(young_threshold=5_000):
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == (5_000, before[1], before[2])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_overlapping_runs_leave_the_thresholds_as_they_found_them() -> None:
    before = gc.get_threshold()
    first, second = steady_heap(), steady_heap()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_strikebot_run_applies_them_once_started(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    before = gc.get_threshold()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'heap.db'}",
        telegram_token=fake_telegram.token,
        telegram_api_url=fake_telegram.root,
        api_host="127.0.0.1",
        api_port=0,
        seed="none",
    )
    async with running(settings) as (runtime, _):
        assert runtime.started.is_set()
        # the store, the transports and the imports are all in the frozen part
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
