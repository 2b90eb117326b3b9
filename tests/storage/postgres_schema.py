"""A PostgreSQL store in a schema of its own for tests; skipped with the reason when no server answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from storage import Store, open_store

PG_URL = os.environ.get("STRIKEBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def postgres_store() -> AsyncIterator[Store]:
    try:
        import asyncpg

        from storage.postgres import PostgresStore  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"PostgreSQL backend not available: {exc}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL server at {PG_URL}: {exc}")
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in PG_URL else "?"
        async with open_store(f"{PG_URL}{sep}options=-csearch_path%3D{schema}") as store:
            yield store
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
