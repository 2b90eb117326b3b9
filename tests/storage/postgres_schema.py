"""A PostgreSQL schema of its own per test; skipped with the reason when no server answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from storage import Store, open_store

PG_URL = os.environ.get("STRIKEBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@asynccontextmanager
async def fresh_schema(prefix: str = "t", *, named: bool = False) -> AsyncIterator[tuple[str, str]]:
    """(URL, schema) of an empty schema first on the search path, dropped afterwards.

    With `named`, the URL also sets application_name to the schema, so a test can find
    the connections opened with it in pg_stat_activity.
    """
    asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is not installed")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL server at {PG_URL}: {exc}")
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        # asyncpg passes unknown URL parameters on as server settings
        yield (f"{url}&application_name={schema}" if named else url), schema
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


@asynccontextmanager
async def migrated_schema(prefix: str = "t") -> AsyncIterator[str]:
    """The URL of a fresh schema with every migration applied (and no store left open), dropped afterwards."""
    async with fresh_schema(prefix) as (url, _):
        async with open_store(url):
            pass
        yield url


async def postgres_store() -> AsyncIterator[Store]:
    """An empty, migrated PostgreSQL store in a schema of its own."""
    async with fresh_schema() as (url, _), open_store(url) as store:
        yield store
