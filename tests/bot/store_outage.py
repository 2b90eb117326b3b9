"""A store that is down for a while, on a clock the test moves: each failed call is one poll a second later.

`fail_calls(monkeypatch, store, "claim_deliveries", 600, clock)` makes the
next 600 calls of that method raise ConnectionLost (or `error`), whose text
quotes a connection string with a password as a driver's error can, and moves
`clock` one second per call, so a loop polling with no real wait lives through
a ten-minute outage in a blink; later calls reach the real method again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from storage.errors import ConnectionLost

PASSWORD = "hunter2-db-password"
DSN = f"postgresql://strikebot:{PASSWORD}@db.internal:5432/strikebot"


class FakeClock:
    """A monotonic clock the test (or the failing store) moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail_calls(
    monkeypatch: pytest.MonkeyPatch,
    target: object,
    method: str,
    times: int,
    clock: FakeClock,
    *,
    step: float = 1.0,
    error: type[Exception] = ConnectionLost,
) -> list[int]:
    """The next `times` calls of `target.method` raise `error`, each `step` s after the last; returns [calls failed]."""
    real = getattr(target, method)
    failed = [0]

    async def failing(*args: Any, **kwargs: Any) -> Any:
        if failed[0] < times:
            failed[0] += 1
            clock.now += step
            raise error(f"cannot reach PostgreSQL at {DSN}: connection refused")
        return await real(*args, **kwargs)

    monkeypatch.setattr(target, method, failing)
    return failed


def lines(caplog: pytest.LogCaptureFixture, about: str) -> list[logging.LogRecord]:
    """The records whose message starts with `about` ("claiming deliveries", ...)."""
    return [r for r in caplog.records if r.getMessage().startswith(about)]


async def until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for `check` to hold, polling without real sleeps of any length; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.001)


def assert_outage_logged(
    caplog: pytest.LogCaptureFixture,
    about: str,
    *,
    failures: int,
    seconds: float,
    every: float = 60.0,
    error: type[Exception] = ConnectionLost,
) -> None:
    """One traceback, at most a line a minute meanwhile (one line each, no password), one recovery line."""
    records = lines(caplog, about)
    errors = [r for r in records if r.levelno == logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].getMessage() == f"{about} failed"
    assert errors[0].exc_info is not None
    assert [r for r in records if r.exc_info] == errors, "a traceback besides the first failure's"
    warnings = [r for r in records if r.levelno == logging.WARNING]
    assert int(seconds // every) - 1 <= len(warnings) <= int(seconds // every)
    for warning in warnings:
        text = warning.getMessage()
        assert text.startswith(f"{about} still failing: ") and "failures in a row over" in text, text
        assert "\n" not in text and PASSWORD not in text and f"(last error: {error.__name__})" in text
    recovered = [r for r in records if r.levelno == logging.INFO]
    assert [r.getMessage() for r in recovered] == [f"{about} recovered after {failures} failures over {seconds:.0f} s"]


async def run_until_recovered(loop: Coroutine[Any, Any, None], caplog: pytest.LogCaptureFixture, about: str) -> None:
    """Run a background loop until it logs its recovery, then stop it."""
    task = asyncio.create_task(loop)
    try:
        await until(lambda: bool(lines(caplog, f"{about} recovered")))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
