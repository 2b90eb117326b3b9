"""The prune finds a broadcast's rows by an index: without one, each old broadcast read the whole outbox.

With 1,000,000 outbox rows and 20 broadcasts past the cut-off, the prune held the
write lock for 6 s on SQLite and 3 s on PostgreSQL (bench/scale.py); deliveries
stopped meanwhile. Both the prune's NOT EXISTS and the foreign key's check on
deleting a broadcast look its rows up by broadcast_id.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import open_store
from tests.storage.postgres_schema import migrated_schema

# the lookup both make, in the prune's own words
LOOKUP = "SELECT 1 FROM deliveries d WHERE d.broadcast_id = {}"


async def _sqlite_plan(tmp_path: Path) -> str:
    path = tmp_path / "plan.db"
    async with open_store(f"sqlite:///{path}"):
        pass
    con = sqlite3.connect(path)
    try:
        return " ".join(row[-1] for row in con.execute("EXPLAIN QUERY PLAN " + LOOKUP.format("?"), (1,)))
    finally:
        con.close()


async def _postgres_plan() -> str:
    asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is not installed")
    async with migrated_schema("prune") as url:
        con = await asyncpg.connect(url)
        try:
            # an empty table is read whole whatever its indexes: ask whether an index can serve the lookup
            await con.execute("SET enable_seqscan = off")
            return " ".join(r[0] for r in await con.fetch("EXPLAIN " + LOOKUP.format("$1"), 1))
        finally:
            await con.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_broadcasts_rows_are_found_without_reading_the_outbox(backend: str, tmp_path: Path) -> None:
    plan = await _sqlite_plan(tmp_path) if backend == "sqlite" else await _postgres_plan()
    assert "deliveries_broadcast" in plan, plan
