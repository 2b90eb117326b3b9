"""The store's PostgreSQL pool through a network that freezes (tests/fakes/tcp_proxy.py): bounded, then back.

Frozen, not refused: packets stop in both directions and nothing closes. Before
the bounds a claim (or a read) through such a network waited for as long as the
freeze lasted, a minute and more in a try, and cancelling it did not end it
either; the dispatcher stopped without a word. Now a statement that gets no
answer within its bound drops its connection (ConnectionLost: the claims,
renewals and results try once more on a new one), and a new connection that gets
none is StoreUnavailable; both are the errors the callers already handle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from storage.errors import ConnectionLost, StoreError, StoreUnavailable
from storage.models import DeliveryStatus
from storage.outbox import DeliveryResult
from storage.postgres import PostgresStore
from tests.fakes.tcp_proxy import TcpProxy, postgres_proxy, within
from tests.storage.helpers import draft
from tests.storage.postgres_schema import migrated_schema

asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is not installed")

# bounds small enough for a fast test; the defaults are 30 s (statements) and 10 s (connecting)
COMMAND = 1.0
CONNECT = 1.0
# a call through the frozen network must end this soon after its bounds (room for a slow machine)
SLACK = 1.5
# a regression must fail the test, not hang CI
GUARD = 30.0
HOLDER = "frozen-test"

Call = Callable[[PostgresStore, int], Awaitable[object]]


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A migrated schema of its own; skips when no PostgreSQL server answers."""
    async with migrated_schema("f") as url:
        yield url


@asynccontextmanager
async def store_through(proxy: TcpProxy, url: str) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(proxy.url_for(url), command_timeout=COMMAND, connect_timeout=CONNECT)
    await within(GUARD, store.__aenter__())
    try:
        yield store
    finally:
        proxy.thaw()
        await within(GUARD, store.__aexit__(None, None, None))


async def leased_delivery(store: PostgresStore) -> int:
    """One pending alert to one chat, claimed by HOLDER: its delivery id."""
    await store.subscribe("telegram", "1")
    await store.ingest(draft(), notify=True)
    jobs = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=60, holder=HOLDER)
    assert len(jobs) == 1
    return jobs[0].delivery.id


def claim(store: PostgresStore, _: int) -> Awaitable[object]:
    return store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=60, holder=HOLDER)


def renew(store: PostgresStore, delivery_id: int) -> Awaitable[object]:
    return store.renew_deliveries([delivery_id], holder=HOLDER, now=datetime.now(UTC), lease_seconds=60)


def finish(store: PostgresStore, delivery_id: int) -> Awaitable[object]:
    result = DeliveryResult(delivery_id=delivery_id, status=DeliveryStatus.SENT, platform_message_id="1")
    return store.finish_deliveries([result], holder=HOLDER)


def latest(store: PostgresStore, _: int) -> Awaitable[object]:
    return store.latest(1)


def ping(store: PostgresStore, _: int) -> Awaitable[object]:
    return store.ping()


@pytest.mark.parametrize(
    ("call", "error", "bound"),
    [
        # the dispatcher's writes try again on a new connection, which gets no answer either
        (claim, StoreUnavailable, COMMAND + CONNECT),
        (renew, StoreUnavailable, COMMAND + CONNECT),
        (finish, StoreUnavailable, COMMAND + CONNECT),
        # a read and the health probe fail with the statement
        (latest, ConnectionLost, COMMAND),
        (ping, ConnectionLost, COMMAND),
    ],
    ids=["claim", "renew", "finish", "latest", "ping"],
)
async def test_a_call_through_a_frozen_network_fails_within_its_bound_then_works(
    pg_url: str, call: Call, error: type[StoreError], bound: float
) -> None:
    async with postgres_proxy() as proxy, store_through(proxy, pg_url) as store:
        delivery_id = await within(GUARD, leased_delivery(store))
        proxy.freeze()
        start = time.monotonic()
        with pytest.raises(error):
            await within(GUARD, call(store, delivery_id))
        assert time.monotonic() - start < bound + SLACK
        # later calls while frozen connect anew (the stuck connections were dropped): the connect bound
        start = time.monotonic()
        with pytest.raises(StoreUnavailable, match="no answer within"):
            await within(GUARD, store.latest(1))
        assert time.monotonic() - start < CONNECT + SLACK
        proxy.thaw()
        await within(GUARD, call(store, delivery_id))


async def test_opening_through_a_frozen_network_fails_within_the_connect_bound(pg_url: str) -> None:
    async with postgres_proxy() as proxy:
        proxy.freeze()
        store = PostgresStore(proxy.url_for(pg_url), command_timeout=COMMAND, connect_timeout=CONNECT)
        start = time.monotonic()
        with pytest.raises(StoreUnavailable, match="cannot connect to PostgreSQL: no answer within 1 s"):
            await within(GUARD, store.__aenter__())
        assert time.monotonic() - start < CONNECT + SLACK


async def test_waits_behind_long_statements_are_not_cut_by_the_statement_bound(pg_url: str) -> None:
    # another ingest's transaction holds the fan-out start lock (it could be queueing a million
    # chats); this ingest waits for it longer than the bound of an ordinary statement, and goes
    held = 3 * 0.3
    async with PostgresStore(pg_url, command_timeout=0.3, connect_timeout=CONNECT) as store:
        await store.subscribe("telegram", "1")
        other = await asyncpg.connect(pg_url)
        try:
            async with other.transaction():
                await other.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('strikebot.fanout-start'), hashtext(current_schema()))"
                )
                start = time.monotonic()
                ingest = asyncio.ensure_future(store.ingest(draft(), notify=True))
                await asyncio.sleep(held)
                assert not ingest.done()
            outcome = await within(GUARD, ingest)
            assert time.monotonic() - start >= held
            assert outcome.deliveries == 1
        finally:
            await other.close()
