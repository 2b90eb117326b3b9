"""PostgreSQL with several processes on one database: stores sharing a schema must not step on each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest

from storage import open_store
from storage.errors import StoreError
from storage.models import DeliveryStatus
from storage.outbox import DeliveryResult
from tests.storage.helpers import NIGHT, draft
from tests.storage.migration_files import latest_version
from tests.storage.postgres_schema import fresh_schema

asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is not installed")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A URL to a fresh, empty schema; skips when no PostgreSQL server answers."""
    async with fresh_schema() as (url, _):
        yield url


async def test_processes_starting_at_once_migrate_once(pg_url: str) -> None:
    async with AsyncExitStack() as stack:
        stores = await asyncio.gather(*(stack.enter_async_context(open_store(pg_url)) for _ in range(4)))
        versions = {await s.schema_version() for s in stores}  # type: ignore[attr-defined]
        assert versions == {latest_version("postgres")}  # every migration applied once, by one of them
        await stores[0].subscribe("telegram", "1")
        assert [s.chat_id for s in await stores[3].list_subscriptions()] == ["1"]


async def test_two_dispatchers_never_claim_the_same_row(pg_url: str) -> None:
    async with open_store(pg_url) as a, open_store(pg_url) as b:
        for i in range(40):
            await a.subscribe("telegram", f"chat{i}")
        await a.ingest(draft(external_id="x"), notify=True)
        await a.ingest(draft(external_id="y"), notify=True)
        now = datetime.now(UTC)
        seen: list[tuple[str, str]] = []  # (claimer, chat) for every leased row
        claimed_ids: list[int] = []

        async def dispatcher(name: str, store: object) -> None:
            while True:
                jobs = await store.claim_deliveries(now=now, limit=7, lease_seconds=60)  # type: ignore[attr-defined]
                if not jobs:
                    return
                claimed_ids.extend(j.delivery.id for j in jobs)
                seen.extend((name, j.subscription.chat_id) for j in jobs)
                await store.finish_deliveries(  # type: ignore[attr-defined]
                    [DeliveryResult(delivery_id=j.delivery.id, status=DeliveryStatus.SENT, platform_message_id="1") for j in jobs]
                )

        await asyncio.gather(*(dispatcher(f"a{i}", a) for i in range(3)), *(dispatcher(f"b{i}", b) for i in range(3)))
        # every row exactly once, although six claimers raced over two pools
        assert len(claimed_ids) == len(set(claimed_ids)) == 80
        assert (await b.queue_stats(now=now)).sent_24h == 80


async def test_per_chat_order_holds_across_dispatchers(pg_url: str) -> None:
    async with open_store(pg_url) as a, open_store(pg_url) as b:
        await a.subscribe("telegram", "only")
        for i in range(3):
            await a.ingest(draft(external_id=f"e{i}"), notify=True)
        now = datetime.now(UTC)
        first, second = await asyncio.gather(
            a.claim_deliveries(now=now, limit=10, lease_seconds=60),
            b.claim_deliveries(now=now, limit=10, lease_seconds=60),
        )
        # one chat: only its oldest row may be in flight, whoever asks
        got = [j.summary.external_id for j in first + second if j.summary]
        assert got == ["e0"]


async def test_same_report_from_two_processes_is_stored_once(pg_url: str) -> None:
    async with open_store(pg_url) as a, open_store(pg_url) as b:
        outs = await asyncio.gather(
            *(s.ingest(draft(external_id="kpszsu/1"), notify=False) for s in (a, b, a, b))
        )
        assert {o.id for o in outs} == {outs[0].id}
        assert sorted(o.status for o in outs) == ["created", "unchanged", "unchanged", "unchanged"]
        assert await b.count_summaries() == 1


async def test_concurrent_ingests_on_one_day_keep_stats_exact(pg_url: str) -> None:
    async with open_store(pg_url) as a, open_store(pg_url) as b:
        drafts = [
            draft(external_id=f"d{i}", end=NIGHT + timedelta(minutes=i), drones=10 + i, regions=("odesa",))
            for i in range(30)
        ]
        await asyncio.gather(*((a if i % 2 else b).ingest(d, notify=False) for i, d in enumerate(drafts)))
        # whole days come from the rollup: it must hold every row despite the races
        day = NIGHT.replace(hour=0)
        for region in (None, "odesa"):
            s = await a.stats(since=day, until=day + timedelta(days=2), region=region)
            assert (s.summaries, s.launched) == (30, sum(d.launched for d in drafts))


async def test_unreachable_server_is_a_store_error() -> None:
    # port 1 on loopback: nothing listens there, so the connection is refused at once
    with pytest.raises(StoreError, match="cannot connect"):
        async with open_store("postgresql://postgres@127.0.0.1:1/postgres"):
            pass
