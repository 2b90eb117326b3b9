"""A migrated PostgreSQL schema of its own per test; skipped with the reason when no server answers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from storage import open_store
from tests.storage.postgres_schema import PG_URL


def schema_url(schema: str) -> str:
    """PG_URL with `schema` first on the search path."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty, migrated schema, dropped afterwards."""
    import asyncpg

    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL server at {PG_URL}: {exc}")
    schema = f"c_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = schema_url(schema)
        async with open_store(url):
            pass
        yield url
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
