"""The shared rate budget away for ten minutes: one traceback, a line a minute, the recovery; sends still go.

No server is needed: a slot store in memory refuses 600 reservations in a row
(one second apart on the test's clock, each error quoting a connection string
with its password) and then answers. Every send meanwhile is paced by this
instance alone, as before, while the limiter asks the store again in the
background (one reservation per send here, since each fails at once).
"""

from __future__ import annotations

import logging

import pytest

from bot.cluster.shared_limit import SharedRateLimiter, SharedSlots
from storage.coordination import CoordinationError
from tests.bot.store_outage import PASSWORD, FakeClock, assert_outage_logged, fail_calls, lines

FAILURES = 600
ABOUT = "reserving shared telegram rate slots"


class SlotStore:
    """The coordination calls the limiter makes: the next free slot is now on the test's clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.reserved = 0

    async def take_rate_slots(self, bucket: str, count: int, interval: float) -> float:
        self.reserved += 1
        return self.clock.now

    async def pause_rate_slots(self, bucket: str, seconds: float) -> float:
        return self.clock.now + seconds


@pytest.mark.parametrize("error", [CoordinationError, OSError])
async def test_slot_store_unreachable_for_ten_minutes_is_logged_once_then_a_line_a_minute(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, error: type[Exception]
) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    store = SlotStore(clock)
    failed = fail_calls(monkeypatch, store, "take_rate_slots", FAILURES, clock, error=error)
    limiter = SharedRateLimiter(30.0, SharedSlots(store, "telegram"), clock=clock, wall=clock)  # type: ignore[arg-type]
    # one send per failed reservation: each is paced by this instance alone and goes
    for _ in range(FAILURES):
        await limiter.acquire()
    assert failed == [FAILURES] and store.reserved == 0
    assert not lines(caplog, f"{ABOUT} recovered")
    # the database answers again: a second on, the next send (paced alone) asks it in the background
    # and gets shared slots, and the recovery is said once
    clock.now += 1.0
    await limiter.acquire()
    assert store.reserved == 1
    assert_outage_logged(caplog, ABOUT, failures=FAILURES, seconds=FAILURES, error=error)
    first = lines(caplog, ABOUT)[0]
    assert getattr(first, "fallback", None) == "pacing this instance alone"
    assert PASSWORD not in "\n".join(r.getMessage() for r in caplog.records)
    # later reservations that work log nothing more
    logged = len(caplog.records)
    clock.now += 1.0
    await limiter.acquire()
    assert store.reserved == 2 and len(caplog.records) == logged
