"""Every storage test runs once per backend: SQLite always, PostgreSQL when a server answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store, open_store
from tests.storage.postgres_schema import postgres_store


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty, migrated store of each backend."""
    if request.param == "sqlite":
        async with open_store(f"sqlite:///{tmp_path / 'test.db'}") as s:
            yield s
    else:
        async for s in postgres_store():
            yield s
