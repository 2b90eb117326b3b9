"""The cluster's PostgreSQL steps through a network that freezes (tests/fakes/tcp_proxy.py): bounded, then back.

Frozen, not refused: packets stop in both directions and nothing closes. Before
the bounds, reserving shared rate slots through such a network waited for as long
as the freeze lasted (a minute and more in a try; cancelling it did not end it
either), and every send of the instance waited behind it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import pytest

from bot.cluster.shared_limit import SharedRateLimiter, SharedSlots
from storage.coordination import CoordinationError
from storage.postgres.coordination import PostgresCoordination
from tests.fakes.tcp_proxy import TcpProxy, postgres_proxy, within

# bounds small enough for a fast test; the defaults are 2 s (slots), 5 s (rows, connecting)
SLOTS = 0.5
ROWS = 1.0
# a step through the frozen network must end this soon (its bound plus room for a slow machine)
SLACK = 1.5
# a regression must fail the test, not hang CI
GUARD = 30.0
RATE = 50.0


class CountingSlots(SharedSlots):
    """The real reservations, counted."""

    def __init__(self, store: PostgresCoordination, bucket: str) -> None:
        super().__init__(store, bucket)
        self.given = 0
        self.refused = 0

    async def reserve(self, count: int, interval: float) -> float:
        try:
            first = await super().reserve(count, interval)
        except (OSError, CoordinationError):
            self.refused += 1
            raise
        self.given += 1
        return first


@asynccontextmanager
async def coordination_through(proxy: TcpProxy, url: str) -> AsyncIterator[PostgresCoordination]:
    store = PostgresCoordination(proxy.url_for(url), slots_timeout=SLOTS, rows_timeout=ROWS, connect_timeout=ROWS)
    await store.open()
    try:
        yield store
    finally:
        proxy.thaw()
        await within(GUARD, store.close())


async def timed(call: Awaitable[object]) -> float:
    start = time.monotonic()
    await within(GUARD, call)
    return time.monotonic() - start


async def next_free(url: str) -> float:
    """The shared budget's next free slot, read directly (not through the proxy)."""
    con = await asyncpg.connect(url, timeout=5)
    try:
        return float(await con.fetchval("SELECT next_free FROM rate_budgets WHERE bucket = 'telegram'"))
    finally:
        await con.close()


async def test_frozen_database_leaves_sends_paced_alone_then_shared_again(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with postgres_proxy() as proxy, coordination_through(proxy, pg_url) as store:
        slots = CountingSlots(store, "telegram")
        limiter = SharedRateLimiter(RATE, slots)
        await timed(limiter.acquire())
        assert slots.given == 1
        before = await next_free(pg_url)

        proxy.freeze()
        # the reservation due now gets no answer: after its bound the send goes, paced by this instance alone
        assert await timed(limiter.acquire()) < SLOTS + SLACK
        # and the sends after it do not wait for the database again: only the rate paces them
        sends = 2 * int(RATE)
        took = await timed(_many(limiter, sends))
        assert (sends - 1) / RATE * 0.9 < took < sends / RATE + SLACK
        assert slots.given == 1 and slots.refused >= 1
        assert await next_free(pg_url) == before, "no slot was taken from the shared budget while frozen"

        proxy.thaw()
        # a reservation asked in the background succeeds: the sends take shared slots again
        start = time.monotonic()
        while slots.given == 1:
            await within(GUARD, limiter.acquire())
            assert time.monotonic() - start < SLOTS + SLACK, "the shared budget did not come back"
        given = slots.given
        await timed(_many(limiter, int(RATE)))  # a second of sends: five batches of shared slots
        assert slots.given >= given + 4 and await next_free(pg_url) > before
    recovered = [r.getMessage() for r in caplog.records if "rate slots recovered" in r.getMessage()]
    assert len(recovered) == 1, recovered


async def _many(limiter: SharedRateLimiter, n: int) -> None:
    for _ in range(n):
        await limiter.acquire()


@pytest.mark.parametrize(
    "step",
    [
        lambda s: s.record_instance("frozen:1", "follower", "host", 1),
        lambda s: s.list_instances(30.0),
        lambda s: s.claim_update("telegram", 1),
        lambda s: s.take_rate_slots("telegram", 10, 0.02),
    ],
    ids=["record_instance", "list_instances", "claim_update", "take_rate_slots"],
)
async def test_each_row_step_fails_within_its_bound_then_works_again(
    pg_url: str, step: Callable[[PostgresCoordination], Awaitable[object]]
) -> None:
    async with postgres_proxy() as proxy, coordination_through(proxy, pg_url) as store:
        await within(GUARD, step(store))
        proxy.freeze()
        start = time.monotonic()
        with pytest.raises(CoordinationError, match="did not answer in time"):
            await within(GUARD, step(store))
        assert time.monotonic() - start < ROWS + SLACK
        proxy.thaw()
        # the stuck connection was dropped, not handed out again: the next step connects anew and works
        await within(GUARD, step(store))


async def test_leader_and_listener_sessions_fail_within_the_connect_bound(pg_url: str) -> None:
    async with postgres_proxy() as proxy, coordination_through(proxy, pg_url) as store:
        proxy.freeze()
        for connect in (
            lambda: store.lead(connect_timeout=ROWS, idle_timeout=7.0),
            lambda: store.listen_outbox(lambda: None, connect_timeout=ROWS),
        ):
            start = time.monotonic()
            with pytest.raises(CoordinationError):
                await within(GUARD, connect())
            assert time.monotonic() - start < ROWS + SLACK
