"""What `strikebot run` settles at start-up: what it reads ahead, and the collector's settings (bot/heap.py) until the stop."""

from __future__ import annotations

import gc
from pathlib import Path

from bot.app import running
from bot.heap import YOUNG_THRESHOLD, steady_heap
from bot.settings import Settings
from storage.catalog import gazetteer, weapon_catalog
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


def _settings(fake: FakeBotAPI, tmp_path: Path) -> Settings:
    """Telegram through the fake, an empty SQLite store, the API on a free port."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        telegram_token=fake.token,
        telegram_api_url=fake.root,
        api_host="127.0.0.1",
        api_port=0,
        seed="none",
    )


async def test_strikebot_run_applies_them_once_started(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    before = gc.get_threshold()
    async with running(_settings(fake_telegram, tmp_path)) as (runtime, _):
        assert runtime.started.is_set()
        # the store, the transports and the imports are all in the frozen part
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_the_shipped_catalogs_are_read_before_the_first_ingest(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    """A seeded store is not read again at start: without this the first alert's ingest would read the CSVs."""
    gazetteer.cache_clear()
    weapon_catalog.cache_clear()
    async with running(_settings(fake_telegram, tmp_path)) as (runtime, _):
        assert runtime.started.is_set()
        for catalog in (gazetteer, weapon_catalog):
            assert catalog.cache_info().currsize == 1
            misses = catalog.cache_info().misses
            catalog()
            assert catalog.cache_info().misses == misses
