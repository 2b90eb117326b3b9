"""Fan-out in chunks (storage/fanout.py): every matching chat once, in ingest order, across crashes and corrections."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Store, open_store
from storage.models import DeliveryStatus
from storage.outbox import DeliveryResult
from tests.storage.helpers import draft
from tests.storage.postgres_schema import fresh_schema

FIRST = 3
CHUNK = 4

Opener = Callable[[], AbstractAsyncContextManager[Store]]


@pytest.fixture(params=["sqlite", "postgres"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens a store on one database of each backend, again and again (a restart), with tiny chunks."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fanout.db'}"
        yield lambda: open_store(url, first_chunk=FIRST)
        return
    async with fresh_schema() as (pg_url, _):
        yield lambda: open_store(pg_url, first_chunk=FIRST)


async def subscribe(store: Store, chats: range, regions: tuple[str, ...] = ()) -> None:
    for chat in chats:
        await store.subscribe("telegram", str(chat), regions=regions)


async def expand_all(store: Store) -> int:
    """Run the expansion until nothing is left: the rows it queued."""
    total = 0
    while queued := await store.continue_fanout(CHUNK, datetime.now(UTC)):
        total += queued
    return total


async def drain(store: Store) -> dict[str, list[tuple[int, str]]]:
    """Per chat, (summary id, action) of each outbox row in the order the chat would get them."""
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    # a second ahead: rows the tests peeked at with a 1 ms lease must be due again even when the
    # drain starts within that millisecond (it did on SQLite, and the drain found nothing)
    while jobs := await store.claim_deliveries(now=datetime.now(UTC) + timedelta(seconds=1), limit=100,
                                               lease_seconds=30):
        for job in jobs:
            assert job.delivery.summary_id is not None
            seen[job.subscription.chat_id].append((job.delivery.summary_id, job.delivery.action.value))
        await store.finish_deliveries([
            DeliveryResult(delivery_id=j.delivery.id, status=DeliveryStatus.SENT, platform_message_id="m",
                           message_revision=j.delivery.revision)
            for j in jobs
        ])
    return dict(seen)


async def test_every_matching_chat_gets_one_send_and_the_ingest_counts_them_all(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(100, 115))
        await subscribe(store, range(200, 205), regions=("odesa",))
        outcome = await store.ingest(draft(regions=("kyiv",)), notify=True)
        # the chats it will go to, though only the first chunk is queued by the ingest itself
        assert outcome.deliveries == 15
        assert len(await store.claim_deliveries(now=datetime.now(UTC), limit=100, lease_seconds=0.001)) == FIRST
        assert await expand_all(store) == 15 - FIRST
        assert await store.continue_fanout(CHUNK, datetime.now(UTC)) == 0
        seen = await drain(store)
    assert seen == {str(chat): [(outcome.id, "send")] for chat in range(100, 115)}


async def test_a_summary_ingested_during_an_expansion_never_overtakes_the_older_one(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(1, 11))
        first = await store.ingest(draft(external_id="a"), notify=True)
        await store.continue_fanout(CHUNK, datetime.now(UTC))
        await subscribe(store, range(11, 12))
        second = await store.ingest(draft(external_id="b"), notify=True)
        assert (first.deliveries, second.deliveries) == (10, 11)
        # before the expansion, the younger summary has no row anywhere, not even in the first chunk's chats
        early = await store.claim_deliveries(now=datetime.now(UTC), limit=100, lease_seconds=0.001)
        assert {j.delivery.summary_id for j in early} == {first.id}
        await expand_all(store)
        seen = await drain(store)
    assert seen == {
        **{str(chat): [(first.id, "send"), (second.id, "send")] for chat in range(1, 11)},
        "11": [(second.id, "send")],
    }


async def test_expansion_resumes_after_a_restart_without_duplicates(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(1, 21))
        outcome = await store.ingest(draft(), notify=True)
        assert await store.continue_fanout(CHUNK, datetime.now(UTC)) == CHUNK
    # the process stopped half-way; the next one carries on from the cursor
    async with opener() as store:
        assert await expand_all(store) == 20 - FIRST - CHUNK
        seen = await drain(store)
    assert seen == {str(chat): [(outcome.id, "send")] for chat in range(1, 21)}


async def test_a_correction_during_the_expansion_queues_no_duplicate(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(1, 11))
        await subscribe(store, range(11, 21), regions=("odesa",))
        await store.ingest(draft(regions=("kyiv",)), notify=True)
        await store.continue_fanout(CHUNK, datetime.now(UTC))
        # nationwide now: the Odesa chats match too
        revised = await store.ingest(draft(drones=150), notify=True)
        assert revised.status == "revised" and revised.deliveries == 20 - FIRST - CHUNK
        await expand_all(store)
        jobs = await store.claim_deliveries(now=datetime.now(UTC), limit=100, lease_seconds=0.001)
        assert all(j.delivery.action.value == "send" for j in jobs)
        seen = await drain(store)
    assert seen == {str(chat): [(revised.id, "send")] for chat in range(1, 21)}


async def test_a_correction_that_narrows_the_regions_stops_the_sends_it_no_longer_matches(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(1, 11), regions=("kyiv",))
        await subscribe(store, range(11, 21), regions=("odesa",))
        await store.ingest(draft(), notify=True)
        await store.ingest(draft(regions=("odesa",)), notify=True)
        await expand_all(store)
        seen = await drain(store)
    assert sorted(seen, key=int) == [str(chat) for chat in range(11, 21)]
    assert all(len(rows) == 1 for rows in seen.values())


async def test_a_retraction_stops_the_expansion_and_the_next_summary_goes_out(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(1, 21))
        withdrawn = await store.ingest(draft(external_id="withdrawn"), notify=True)
        await store.continue_fanout(CHUNK, datetime.now(UTC))
        await store.retract(withdrawn.id)
        following = await store.ingest(draft(external_id="next"), notify=True)
        # the withdrawn report's cursor is dropped, and the next one is expanded instead
        assert following.deliveries == 20 and await expand_all(store) == 20
        seen = await drain(store)
    assert seen == {str(chat): [(following.id, "send")] for chat in range(1, 21)}


async def test_few_subscribers_are_all_queued_by_the_ingest_itself(opener: Opener) -> None:
    async with opener() as store:
        await subscribe(store, range(1, FIRST + 1))
        outcome = await store.ingest(draft(), notify=True)
        assert outcome.deliveries == FIRST
        assert await store.continue_fanout(CHUNK, datetime.now(UTC)) == 0
        seen = await drain(store)
    assert seen == {str(chat): [(outcome.id, "send")] for chat in range(1, FIRST + 1)}
