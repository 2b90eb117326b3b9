"""PostgreSQL away for ten minutes: the leader lock and the outbox listener log one traceback, a line a minute, the recovery.

No server is needed: a coordination store in memory refuses 600 connections
in a row (one second apart on the loop's clock) and then accepts; each loop
retries with no real wait, as it would every second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.cluster.leader import LeaderLock
from bot.cluster.notify import OutboxListener
from tests.bot.store_outage import FakeClock, assert_outage_logged, fail_calls, run_until_recovered

FAILURES = 600


class Session:
    """A leader session and an outbox watch that work; this instance never wins the lock."""

    async def try_lead(self, timeout: float) -> bool:
        return False

    async def heartbeat(self, timeout: float) -> None:
        return None

    async def check(self, timeout: float) -> None:
        return None

    def end(self) -> None:
        return None


class Coordination:
    """The two connections the loops open; `fail_calls` makes them fail for a while."""

    def __init__(self) -> None:
        self.connected = 0

    async def lead(self, *, connect_timeout: float, idle_timeout: float) -> Session:
        self.connected += 1
        return Session()

    async def listen_outbox(self, wake: Callable[[], None], *, connect_timeout: float) -> Session:
        self.connected += 1
        return Session()


async def _no_role_change(leader: bool) -> None:
    return None


async def test_leader_lock_unreachable_for_ten_minutes_is_logged_once_then_a_line_a_minute(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock, store = FakeClock(), Coordination()
    fail_calls(monkeypatch, store, "lead", FAILURES, clock, error=OSError)
    lock = LeaderLock(store, _no_role_change, heartbeat=0.0, retry=0.0, clock=clock)  # type: ignore[arg-type]
    await run_until_recovered(lock.run(), caplog, "the leader lock connection")
    assert_outage_logged(
        caplog, "the leader lock connection", failures=FAILURES, seconds=FAILURES - 1, error=OSError
    )
    assert store.connected == 1


async def test_outbox_listener_unreachable_for_ten_minutes_is_logged_once_then_a_line_a_minute(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock, store = FakeClock(), Coordination()
    fail_calls(monkeypatch, store, "listen_outbox", FAILURES, clock, error=OSError)
    woken: list[None] = []
    listener = OutboxListener(
        store, lambda: woken.append(None), retry=0.0, check=0.0, clock=clock  # type: ignore[arg-type]
    )
    await run_until_recovered(listener.run(), caplog, "listening for outbox notifications")
    assert_outage_logged(
        caplog, "listening for outbox notifications", failures=FAILURES, seconds=FAILURES - 1, error=OSError
    )
    # once listening again, rows queued meanwhile are looked for at once
    assert woken
