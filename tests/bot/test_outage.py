"""A run of failures in the log: the first with its traceback, a line a minute meanwhile, one line at recovery.

First the OutageLog itself on a clock moved by hand, then the bot's
housekeeping loops (outbox pruning, outbox figures) against a store that is
down for ten minutes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.housekeeping import keep_figures, prune_outbox
from bot.outage import OutageLog
from storage.errors import ConnectionLost, StoreUnavailable
from storage.sqlite import SqliteStore
from tests.bot.store_outage import (
    PASSWORD,
    FakeClock,
    assert_outage_logged,
    fail_calls,
    run_until_recovered,
)

log = logging.getLogger("tests.outage")


def _fail(outage: OutageLog, clock: FakeClock, times: int, every: float = 1.0) -> None:
    for _ in range(times):
        clock.now += every
        outage.failed(StoreUnavailable(f"database unavailable: disk I/O error ({PASSWORD})"))


def test_a_working_task_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    outage = OutageLog(log, "polling", clock=FakeClock())
    for _ in range(3):
        outage.succeeded()
    assert caplog.records == []


def test_ten_minutes_of_failures_a_second_apart_give_one_traceback_and_a_line_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    outage = OutageLog(log, "polling", clock=clock)
    _fail(outage, clock, 600)
    assert outage.failures == 600
    outage.succeeded()
    assert outage.failures == 0
    levels = [r.levelname for r in caplog.records]
    assert levels == ["ERROR"] + ["WARNING"] * 9 + ["INFO"]
    first, *warnings, recovered = caplog.records
    assert first.getMessage() == "polling failed" and first.exc_info is not None
    assert warnings[0].getMessage() == (
        "polling still failing: 61 failures in a row over 60 s (last error: StoreUnavailable)"
    )
    assert (warnings[0].failures, warnings[0].seconds) == (61, 60.0)  # type: ignore[attr-defined]
    assert all(r.exc_info is None and PASSWORD not in r.getMessage() for r in (*warnings, recovered))
    assert recovered.getMessage() == "polling recovered after 600 failures over 599 s"


def test_a_new_run_after_a_recovery_starts_with_its_traceback_again(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    outage = OutageLog(log, "polling", clock=clock, every=10.0)
    _fail(outage, clock, 1)
    clock.now += 0.5
    outage.succeeded()
    _fail(outage, clock, 3)
    outage.succeeded()
    assert [r.getMessage() for r in caplog.records] == [
        "polling failed",
        "polling recovered after 1 failure over 0.5 s",
        "polling failed",
        "polling recovered after 3 failures over 2.0 s",
    ]
    assert [r.exc_info is not None for r in caplog.records] == [True, False, True, False]


def test_the_first_failure_carries_the_callers_fields_and_points_at_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = OutageLog(log, "renewing", clock=FakeClock())
    outage.failed(ConnectionLost("gone"), {"leases": 4})
    (record,) = caplog.records
    assert record.leases == 4  # type: ignore[attr-defined]
    assert record.funcName == "test_the_first_failure_carries_the_callers_fields_and_points_at_the_caller"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(str(tmp_path / "bot.db")) as s:
        yield s


async def test_outbox_pruning_failing_for_ten_minutes_is_logged_once_then_a_line_a_minute(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    fail_calls(monkeypatch, store, "prune_deliveries", 600, clock)
    await run_until_recovered(prune_outbox(store, 30, every=0.0, clock=clock), caplog, "pruning the outbox")
    assert_outage_logged(caplog, "pruning the outbox", failures=600, seconds=599)


async def test_outbox_figures_failing_for_ten_minutes_are_logged_once_then_a_line_a_minute(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    fail_calls(monkeypatch, store, "refresh_outbox_figures", 600, clock)
    await run_until_recovered(keep_figures(store, every=0.0, clock=clock), caplog, "counting the outbox figures")
    assert_outage_logged(caplog, "counting the outbox figures", failures=600, seconds=599)
