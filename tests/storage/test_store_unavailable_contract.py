"""A store that cannot write (disk full, I/O error) says so as StoreUnavailable, and ping() reports it, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from storage import Store
from storage.errors import StoreUnavailable
from storage.sqlite import SqliteStore
from tests.storage.helpers import draft


async def fill_disk(store: Store) -> None:
    """Make the store's database refuse to grow, as a full disk does.

    SQLite: max_page_count at the file's current size on the store's own
    connection (the pragma is per connection), so the next write that needs a
    page fails with SQLITE_FULL. PostgreSQL cannot be filled from a test; a
    trigger raises the error a full disk gives (SQLSTATE 53100, disk_full).
    """
    database: Any = store._database  # type: ignore[attr-defined]  # fault injection reaches the driver
    if isinstance(store, SqliteStore):
        async with database.read() as con:
            async with con.execute("PRAGMA page_count") as cur:
                row = await cur.fetchone()
            await con.execute(f"PRAGMA max_page_count = {int(row[0])}")
        return
    async with database.read() as con:
        await con.execute(
            """CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file "base/5/16384": No space left on device'
                USING ERRCODE = 'disk_full'; END $$"""
        )
        for table in ("summaries", "store_probe"):
            await con.execute(f"CREATE TRIGGER disk_full BEFORE INSERT ON {table} EXECUTE FUNCTION disk_full()")


async def free_disk(store: Store) -> None:
    """Undo fill_disk."""
    database: Any = store._database  # type: ignore[attr-defined]
    async with database.read() as con:
        if isinstance(store, SqliteStore):
            await con.execute("PRAGMA max_page_count = 1073741823")
        else:
            await con.execute("DROP FUNCTION disk_full() CASCADE")


async def test_a_full_disk_is_store_unavailable_and_ping_says_so(store: Store) -> None:
    await store.ingest(draft(external_id="before"), notify=False)
    await store.ping()
    await fill_disk(store)
    with pytest.raises(StoreUnavailable, match="full|space"):
        # a big enough write to need new pages
        await store.ingest_many(
            [draft(external_id=f"big-{i}", notes="x" * 3000) for i in range(20)], notify=False
        )
    with pytest.raises(StoreUnavailable):
        await store.ping()  # it still answers reads, but it cannot write
    assert await store.count_summaries() == 1  # reads go on, nothing half-written
    await free_disk(store)
    await store.ping()
    await store.ingest(draft(external_id="after", notes="x" * 3000), notify=False)
    assert await store.count_summaries() == 2
