"""Fault injection: a store whose database cannot grow, as on a full disk."""

from __future__ import annotations

from typing import Any

from storage import Store
from storage.sqlite import SqliteStore


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
