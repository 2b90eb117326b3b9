"""The database away for ten minutes: the delivery loops log one traceback, a line a minute, and the recovery.

Each loop polls as it always does (here with no real wait) while the store
fails 600 times in a row, one second apart on the loop's clock; afterwards it
works again, and the alert that waited goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery import Dispatcher
from bot.delivery.expansion import FanoutExpander
from bot.delivery.leases import Leases
from storage.sqlite import SqliteStore
from tests.bot.delivery.support import FAST, MemoryTransport, Renders, draft, no_limits
from tests.bot.store_outage import FakeClock, assert_outage_logged, fail_calls, lines, until

FAILURES = 600  # ten minutes of polls a second apart


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(str(tmp_path / "bot.db"), first_chunk=1) as s:
        await s.subscribe("telegram", "42")
        yield s


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_claims_failing_for_ten_minutes_log_one_traceback_nine_lines_and_the_recovery(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await store.ingest(draft(), notify=True)
    clock = FakeClock()
    failed = fail_calls(monkeypatch, store, "claim_deliveries", FAILURES, clock)
    transport = MemoryTransport()
    d = Dispatcher(
        store, {"telegram": transport}, Renders().renderers(), replace(FAST, poll_interval=0.0),
        chat_policies={"telegram": no_limits}, clock=clock,
    )
    task = asyncio.create_task(d.run())
    try:
        await until(lambda: bool(transport.sent()))
    finally:
        await _cancel(task)
    assert failed == [FAILURES]
    assert_outage_logged(caplog, "claiming deliveries", failures=FAILURES, seconds=FAILURES - 1)
    # the claim the outage held back went out once it was over
    assert [r.chat_id for r in transport.sent()] == ["42"]


async def test_fan_out_expansion_failing_for_ten_minutes_is_logged_once_then_a_line_a_minute(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await store.subscribe("telegram", "43")
    # the ingest queues the first chat, the expander the second
    assert (await store.ingest(draft(), notify=True)).deliveries == 2
    clock = FakeClock()
    fail_calls(monkeypatch, store, "continue_fanout", FAILURES, clock)
    expander = FanoutExpander(store, chunk=5, wake_dispatcher=lambda: None, poll_interval=0.0, clock=clock)
    task = asyncio.create_task(expander.run())
    try:
        await until(lambda: bool(lines(caplog, "expanding a fan-out recovered")))
    finally:
        await _cancel(task)
    assert_outage_logged(caplog, "expanding a fan-out", failures=FAILURES, seconds=FAILURES - 1)
    assert [r.getMessage() for r in caplog.records if r.getMessage() == "fan-out expanded"] == ["fan-out expanded"]


async def test_lease_renewals_failing_for_ten_minutes_are_logged_once_then_a_line_a_minute(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await store.ingest(draft(), notify=True)
    clock = FakeClock()
    leases = Leases(store, lease_seconds=30, clock=clock, wall_clock=lambda: datetime.now(UTC))
    (job,) = await store.claim_deliveries(now=datetime.now(UTC), limit=5, lease_seconds=30, holder=leases.holder)
    leases.hold([job.delivery.id], clock())
    fail_calls(monkeypatch, store, "renew_deliveries", FAILURES, clock)
    for _ in range(FAILURES + 1):
        await leases.renew()
    assert_outage_logged(caplog, "renewing delivery leases", failures=FAILURES, seconds=FAILURES - 1)
    (first,) = [r for r in lines(caplog, "renewing delivery leases") if r.exc_info]
    assert first.leases == 1  # type: ignore[attr-defined]
    # the renewal after the outage held the row again
    assert leases.holds(job.delivery.id) and leases.lost == 0


async def test_results_the_store_cannot_take_are_kept_and_written_later_not_sent_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with SqliteStore(str(tmp_path / "results.db")) as store:
        for chat in range(42, 52):
            await store.subscribe("telegram", str(chat))
        await store.ingest(draft(), notify=True)
        clock = FakeClock()
        # the platform answered, then the store refused six writes in a row (each after its own retries)
        failed = fail_calls(monkeypatch, store, "finish_deliveries", 6, clock, step=2.0)
        transport = MemoryTransport()
        # a lease far longer than the test: a dropped answer would leave its row leased, not yet sent twice
        config = replace(FAST, poll_interval=0.0, lease_seconds=600.0)
        d = Dispatcher(
            store, {"telegram": transport}, Renders().renderers(), config,
            chat_policies={"telegram": no_limits}, clock=clock,
        )
        task = asyncio.create_task(d.run())
        try:
            await until(lambda: bool(lines(caplog, "recording delivery results recovered")))
            # answers that came in after the first batch the store took are written by the next one
            stats = await store.queue_stats(now=datetime.now(UTC))
            for _ in range(2000):
                if stats.pending == 0:
                    break
                await asyncio.sleep(0.01)
                stats = await store.queue_stats(now=datetime.now(UTC))
        finally:
            await _cancel(task)
    assert failed == [6]
    chats = [r.chat_id for r in transport.sent()]
    assert sorted(chats) == [str(c) for c in range(42, 52)], "each chat gets the alert exactly once"
    assert (stats.pending, stats.sent_24h) == (0, 10), "every answer was recorded once the store took them"
    assert_outage_logged(caplog, "recording delivery results", failures=6, seconds=10)
