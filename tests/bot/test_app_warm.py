"""What `strikebot run` reads while starting, so that the first alert after a start does not."""

from __future__ import annotations

from pathlib import Path

from bot.app import running
from bot.settings import Settings
from storage.catalog import gazetteer, weapon_catalog
from tests.fakes.telegram.api import FakeBotAPI


async def test_the_shipped_catalogs_are_read_before_the_first_ingest(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    """A seeded store is not read again at start: without the warm-up the first alert's ingest would read the CSVs."""
    gazetteer.cache_clear()
    weapon_catalog.cache_clear()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'warm.db'}",
        telegram_token=fake_telegram.token,
        telegram_api_url=fake_telegram.root,
        api_host="127.0.0.1",
        api_port=0,
        seed="none",
    )
    async with running(settings) as (runtime, _):
        assert runtime.started.is_set()
        for catalog in (gazetteer, weapon_catalog):
            assert catalog.cache_info().currsize == 1
            misses = catalog.cache_info().misses
            catalog()
            assert catalog.cache_info().misses == misses
