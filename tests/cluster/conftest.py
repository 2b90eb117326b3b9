"""A migrated PostgreSQL schema of its own per test; skipped with the reason when no server answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.storage.postgres_schema import migrated_schema


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty, migrated schema, dropped afterwards."""
    async with migrated_schema("c") as url:
        yield url
