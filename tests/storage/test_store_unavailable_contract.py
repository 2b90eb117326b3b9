"""A store that cannot write (disk full, I/O error) says so as StoreUnavailable, and ping() reports it, on every backend."""

from __future__ import annotations

import pytest

from storage import Store
from storage.errors import StoreUnavailable
from tests.storage.disk import fill_disk, free_disk
from tests.storage.helpers import draft


async def test_a_full_disk_is_store_unavailable_and_ping_says_so(store: Store) -> None:
    await store.ingest(draft(external_id="before"), notify=False)
    await store.ping()
    await fill_disk(store)
    with pytest.raises(StoreUnavailable, match=r"full|space"):
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
