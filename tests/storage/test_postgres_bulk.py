"""Bulk history loading (bulk_append + rebuild_rollup), checked on both backends for equal results."""

from __future__ import annotations

from datetime import timedelta

from storage import Store
from tests.storage.helpers import NIGHT, draft


async def test_bulk_history_counts_in_stats_and_leaves_room_for_ingest(store: Store) -> None:
    drafts = [
        draft(external_id=f"h{i}", end=NIGHT + timedelta(hours=7 * i), drones=10 * i, regions=("odesa",) if i % 2 else ())
        for i in range(1, 11)
    ]
    assert await store.bulk_append(drafts) == 10  # type: ignore[attr-defined]
    await store.rebuild_rollup()  # type: ignore[attr-defined]
    everything = await store.stats(since=None, until=None, region=None)
    assert (everything.summaries, everything.launched) == (10, 550)
    assert everything.largest is not None and everything.largest.launched == 100
    odesa = await store.stats(since=None, until=None, region="odesa")
    assert (odesa.summaries, odesa.launched) == (5, 10 + 30 + 50 + 70 + 90)
    # a live ingest afterwards gets a fresh id, and a known external id is a revision
    fresh = await store.ingest(draft(external_id="live"), notify=False)
    again = await store.ingest(drafts[0].model_copy(update={"notes": "corrected"}), notify=False)
    assert fresh.status == "created" and fresh.id not in {again.id}
    assert (again.status, again.revision) == ("revised", 2)
    assert await store.count_summaries() == 11
