"""asyncpg's pool reconnection warnings during an outage: the first with its traceback, then a line a minute.

Records go through the logging that setup_logging configures (JSON lines on a
StringIO, secrets masked) on a clock moved by hand, and the test reads the
lines a person reading the log would see. The last test drives asyncpg's own
pool refill loop (no server: every connect is refused) with its sleeps moved
onto the same clock.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import io
import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

import asyncpg
import asyncpg.pool
import pytest

from bot.log_throttle import POOL_LOGGER, QUIET, RECONNECT_PREFIX, PoolReconnectThrottle
from bot.logs import setup_logging
from tests.bot.store_outage import DSN, PASSWORD, FakeClock

# asyncpg/pool.py, Pool._maintain_min_size (asyncpg 0.32)
MESSAGE = "Failed to restore the pool connection floor; retrying"
pool_log = logging.getLogger(POOL_LOGGER)


class Log:
    """The configured logging on a StringIO and a fake clock; `send` logs one record and notes any line it wrote."""

    def __init__(self, stream: io.StringIO, clock: FakeClock) -> None:
        self.stream = stream
        self.clock = clock
        self.read = 0
        # (clock time, parsed line) for each line written, in order
        self.lines: list[tuple[float, dict[str, Any]]] = []

    def refused(self, logger: logging.Logger = pool_log, message: str = MESSAGE, level: int = logging.WARNING) -> None:
        """Log `message` as asyncpg does after a failed connect: inside the except block, exc_info=True."""
        try:
            raise ConnectionRefusedError(f"cannot reach {DSN}: connection refused")
        except ConnectionRefusedError:
            logger.log(level, message, exc_info=True)
        self.collect()

    def collect(self) -> None:
        """Note the lines written since the last call, at the clock's current time."""
        text = self.stream.getvalue()
        for line in text[self.read :].splitlines():
            self.lines.append((self.clock.now, json.loads(line)))
        self.read = len(text)

    def take(self) -> list[tuple[float, dict[str, Any]]]:
        """The lines noted so far, forgetting them."""
        out, self.lines = self.lines, []
        return out


@pytest.fixture
def log() -> Iterator[Log]:
    stream, clock = io.StringIO(), FakeClock()
    undo = setup_logging(fmt="json", level="INFO", secrets=[PASSWORD], stream=stream, clock=clock)
    try:
        yield Log(stream, clock)
    finally:
        undo()


def _assert_full(line: dict[str, Any]) -> None:
    assert line["level"] == "warning" and line["logger"] == POOL_LOGGER and line["msg"] == MESSAGE
    assert "ConnectionRefusedError" in line["exc"] and "Traceback" in line["exc"]


def test_the_message_is_the_one_the_installed_asyncpg_logs() -> None:
    assert asyncpg.pool.logger is pool_log
    # ast joins the two literals asyncpg splits the message into
    tree = ast.parse(inspect.getsource(asyncpg.pool))
    constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    if not any(isinstance(c, str) and c.startswith(RECONNECT_PREFIX) for c in constants):
        pytest.skip(f"asyncpg {asyncpg.__version__} does not refill its pools in the background (added in 0.32)")
    assert MESSAGE in constants


def test_six_hundred_failures_over_ten_minutes_give_one_traceback_and_a_line_a_minute(log: Log) -> None:
    for _ in range(600):
        log.clock.now += 1
        log.refused()
    lines = log.take()
    assert len(lines) == 10  # the first, then one at each full minute up to 9 min 0 s
    (_, first), *summaries = lines
    _assert_full(first)
    times = [t for t, _ in lines]
    assert all(later - earlier >= 60 for earlier, later in itertools.pairwise(times))
    for n, (_, line) in enumerate(summaries, start=1):
        assert line["level"] == "warning" and line["logger"] == POOL_LOGGER and "exc" not in line
        assert line["msg"] == (
            f"{MESSAGE} (still failing: {60 * n + 1} in a row over {60 * n} s, "
            "59 held back since the last line; last error: ConnectionRefusedError)"
        )
        assert (line["failures"], line["held"], line["seconds"]) == (60 * n + 1, 59, 60.0 * n)
    assert PASSWORD not in log.stream.getvalue() and "[REDACTED]" in first["exc"]

    # asyncpg goes quiet once its pools are full again; the next outage starts in full
    log.clock.now += QUIET
    log.refused()
    log.clock.now += 1
    log.refused()
    (_, again), = log.take()
    _assert_full(again)


def test_asyncpgs_backoff_gives_a_traceback_once_then_each_try_a_minute_apart_as_a_line(log: Log) -> None:
    # asyncpg waits 1, 2, 4 ... s between tries, then 60 s; 10 s more each when connecting times out
    delay, tries = 1.0, 0
    while log.clock.now < 1000 + 1800:
        log.refused()
        tries += 1
        log.clock.now += delay + 10
        delay = min(delay * 2, 60.0)
    (_, first), *summaries = log.take()
    _assert_full(first)
    # tries 0, 11, 23, 37, 55, 81, 123, 193 s in, then 70 s apart: 11 to 55 and 123 are held back
    assert len(summaries) == tries - 1 - 5
    assert [line["held"] for _, line in summaries] == [4, 1] + [0] * (len(summaries) - 2)
    assert all("exc" not in line and "still failing" in line["msg"] for _, line in summaries)


def test_other_asyncpg_records_and_our_own_errors_pass_unchanged_in_the_middle_of_a_run(log: Log) -> None:
    log.refused()
    ours = logging.getLogger("bot.cluster.node")
    for _ in range(20):
        log.clock.now += 1
        log.refused()  # held back
        log.refused(pool_log, "Pool.close() is taking over 60 seconds to complete.")
        log.refused(logging.getLogger("asyncpg"), MESSAGE)
        log.refused(ours, MESSAGE, logging.ERROR)
    (_, first), *rest = log.take()
    _assert_full(first)
    assert len(rest) == 60
    assert [(line["level"], line["logger"]) for _, line in rest[:3]] == [
        ("warning", POOL_LOGGER), ("warning", "asyncpg"), ("error", "bot.cluster.node"),
    ]
    assert rest[0][1]["msg"] == "Pool.close() is taking over 60 seconds to complete."
    assert all(line["msg"] == MESSAGE for _, line in rest[1:3])
    assert all("Traceback" in line["exc"] and "still failing" not in line["msg"] for _, line in rest)


def test_a_gap_shorter_than_the_quiet_spell_keeps_the_run_going(log: Log) -> None:
    log.refused()
    log.clock.now += QUIET - 1
    log.refused()
    (_, first), (_, second) = log.take()
    _assert_full(first)
    assert "exc" not in second and "still failing: 2 in a row" in second["msg"] and second["held"] == 0


def test_undo_takes_the_filter_off_the_asyncpg_logger() -> None:
    before = list(pool_log.filters)
    undo = setup_logging(stream=io.StringIO(), clock=FakeClock())
    assert [type(f) for f in pool_log.filters if f not in before] == [PoolReconnectThrottle]
    undo()
    assert pool_log.filters == before


class _ClockedAsyncio:
    """asyncio as asyncpg.pool sees it, except that sleep moves the fake clock and returns at once."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self._clock.now += delay
        return await asyncio.sleep(0, result)


async def test_asyncpgs_own_refill_loop_with_postgresql_down_logs_one_traceback(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(asyncpg.pool.Pool, "_maintain_min_size"):
        pytest.skip(f"asyncpg {asyncpg.__version__} does not refill its pools in the background (added in 0.32)")
    tries = 0

    async def refuse(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        nonlocal tries
        tries += 1
        if tries >= 30:
            pool.terminate()  # ends asyncpg's loop; a try that fails on a closing pool is not logged
        raise ConnectionRefusedError(f"cannot reach {DSN}: connection refused")

    monkeypatch.setattr(asyncpg.pool, "asyncio", _ClockedAsyncio(log.clock))
    # no connection at start, so nothing is refused before the floor is raised
    pool = await asyncpg.create_pool(DSN, min_size=0, max_size=1, connect=refuse)
    # as when the server drops the pool's only connection: the floor is 1 and the pool is empty
    pool._minsize = 1
    pool._schedule_min_size_maintenance()
    task = pool._maintenance_task
    assert task is not None
    # terminate() cancels the loop, so wait for it to end rather than for its result
    await asyncio.wait({task}, timeout=5)
    assert task.done()
    log.collect()
    lines = log.take()
    assert tries == 30
    (_, first), *summaries = lines
    _assert_full(first)
    # tries at +1, +3, +7, +15, +31 s are held back; from +63 s on they are a minute apart, each a line
    assert len(summaries) == 29 - 6  # the 30th try fails on a closing pool, which asyncpg does not log
    assert "5 held back" in summaries[0][1]["msg"] and all(line["held"] == 0 for _, line in summaries[1:])
    assert PASSWORD not in log.stream.getvalue()
