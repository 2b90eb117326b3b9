"""A global 429 on one instance pauses every instance through the shared rate_budgets row.

The PostgreSQL tests run two limiters on two coordination stores (two pools, as
two `strikebot run` would) in one throwaway schema; the others need no server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.cluster.shared_limit import SharedRateLimiter, SharedSlots
from storage.coordination import CoordinationError
from storage.postgres.coordination import PostgresCoordination
from tests.bot.store_outage import DSN, PASSWORD, FakeClock, lines, until

# one slot a batch: the other instance holds no slot reserved before the pause
RATE = 5.0
PAUSE = 0.5
# the loop may wake a hair early on another clock than the one the test reads
EARLY = 0.005
# room for a slow machine, far below what a missed pause would show
SLACK = 1.0
ABOUT = "sharing a telegram pause"


class NotingSlots(SharedSlots):
    """The real slots, with an event set once a pause has been written to the shared row."""

    def __init__(self, store: PostgresCoordination, bucket: str) -> None:
        super().__init__(store, bucket)
        self.paused = asyncio.Event()
        self.reserved = 0

    async def reserve(self, count: int, interval: float) -> float:
        self.reserved += 1
        return await super().reserve(count, interval)

    async def pause(self, seconds: float) -> float:
        until = await super().pause(seconds)
        self.paused.set()
        return until


@asynccontextmanager
async def two_stores(url: str) -> AsyncIterator[tuple[PostgresCoordination, PostgresCoordination]]:
    stores = (PostgresCoordination(url), PostgresCoordination(url))
    for store in stores:
        await store.open()
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()


async def test_a_pause_on_one_instance_holds_the_next_send_of_another(pg_url: str) -> None:
    async with two_stores(pg_url) as (store_a, store_b):
        slots_a = NotingSlots(store_a, "telegram")
        a = SharedRateLimiter(RATE, slots_a)
        b = SharedRateLimiter(RATE, NotingSlots(store_b, "telegram"))
        await b.acquire()  # b's pool is warm and its one reserved slot used
        await asyncio.sleep(1.0 / RATE + 0.05)  # the budget's next free slot is in the past again

        start = time.monotonic()
        a.pause(PAUSE)  # a got a global 429: it returns at once, the row is written in the background
        assert time.monotonic() - start < 0.05
        await asyncio.wait_for(slots_a.paused.wait(), SLACK)
        await asyncio.wait_for(b.acquire(), PAUSE + SLACK)
        waited = time.monotonic() - start
        # without the shared pause b would have sent at once
        assert PAUSE - EARLY <= waited < PAUSE + SLACK


async def test_the_pausing_instance_sends_next_from_a_reservation_after_the_pause(pg_url: str) -> None:
    async with two_stores(pg_url) as (store, _):
        slots = NotingSlots(store, "telegram")
        limiter = SharedRateLimiter(30.0, slots)  # a batch of 6: 5 left after the first send
        await limiter.acquire()
        assert slots.reserved == 1
        start = time.monotonic()
        limiter.pause(PAUSE)
        await asyncio.wait_for(limiter.acquire(), PAUSE + SLACK)
        assert PAUSE - EARLY <= time.monotonic() - start < PAUSE + SLACK
        # the next send came from a new reservation, after the pause's end in the shared row
        assert slots.reserved == 2 and slots.paused.is_set()


class PauseStore:
    """The limiter's coordination calls in memory; pauses refused while `down`, counted either way."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.down = False
        self.pauses: list[float] = []

    async def take_rate_slots(self, bucket: str, count: int, interval: float) -> float:
        return self.clock.now

    async def pause_rate_slots(self, bucket: str, seconds: float) -> float:
        self.pauses.append(seconds)
        await asyncio.sleep(0)  # a round trip: later 429s of the burst arrive meanwhile
        if self.down:
            raise CoordinationError(f"cannot reach PostgreSQL at {DSN}: connection refused")
        return self.clock.now + seconds

    async def asked(self, count: int) -> None:
        """Wait until `count` pauses have been asked for."""
        await until(lambda: len(self.pauses) == count, timeout=2.0)


def limiter_on(store: PauseStore, rate: float = 30.0) -> SharedRateLimiter:
    slots = SharedSlots(store, "telegram")  # type: ignore[arg-type]
    return SharedRateLimiter(rate, slots, clock=store.clock, wall=store.clock)


async def test_a_failing_database_during_pause_does_not_raise_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    store = PauseStore(clock)
    store.down = True
    limiter = limiter_on(store)
    for n in range(1, 6):
        limiter.pause(PAUSE * n)  # does not raise, nor wait
        await store.asked(n)
        await asyncio.sleep(0.01)  # the failed write is logged (or not) by now
    assert limiter.paused_for() == pytest.approx(PAUSE * 5)
    logged = lines(caplog, ABOUT)
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert getattr(logged[0], "fallback", None) == "pausing this instance alone"
    assert PASSWORD not in "\n".join(r.getMessage() for r in caplog.records)
    # the database answers again: the next pause is shared, and the recovery said once
    store.down = False
    limiter.pause(PAUSE * 10)
    await store.asked(6)
    await until(lambda: len(lines(caplog, f"{ABOUT} recovered")) == 1, timeout=2.0)


async def test_a_burst_of_429s_writes_the_pause_once_or_twice() -> None:
    clock = FakeClock()
    store = PauseStore(clock)
    limiter = limiter_on(store)
    for _ in range(20):  # the concurrent sends of one batch all answered 429
        limiter.pause(PAUSE)
    await asyncio.sleep(0)  # the first write is under way
    assert len(store.pauses) == 1
    clock.now += 0.01
    limiter.pause(PAUSE)  # one more a little later: its end is later, written after the first
    await store.asked(2)
    await asyncio.sleep(0.01)
    assert len(store.pauses) == 2 and store.pauses[0] == PAUSE


async def test_without_a_rate_a_pause_stays_local() -> None:
    clock = FakeClock()
    store = PauseStore(clock)
    limiter = limiter_on(store, rate=0.0)
    limiter.pause(PAUSE)
    await asyncio.sleep(0.01)
    assert store.pauses == [] and limiter.paused_for() == PAUSE
