"""asyncpg's own pool reconnection warnings, logged like an OutageLog: the first in full, then a line a minute.

While PostgreSQL is away, asyncpg (0.32+) keeps retrying to refill each pool to
its `min_size` and logs every failed try on the `asyncpg.pool` logger as
"Failed to restore the pool connection floor; retrying", with a traceback.
`PoolReconnectThrottle` sits on that logger and turns a run of them into:

- the first of a run: passed through unchanged, traceback included;
- while they keep coming: at most one WARNING line per `every` seconds (a
  minute), the same message followed by how many came in a row over how long,
  how many were held back since the last line and the type of the last error,
  never its text or traceback;
- once none has come for `quiet` seconds the pool is taken to have recovered
  and the next one starts a new run (in full again).

Every other record, asyncpg's or ours, passes untouched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.outage import EVERY

POOL_LOGGER = "asyncpg.pool"
# asyncpg/pool.py `Pool._maintain_min_size`; the prefix only, so a reworded tail still matches
RECONNECT_PREFIX = "Failed to restore the pool connection"
# asyncpg waits at most 60 s between tries, plus the connect timeout (10 s in storage/postgres):
# a gap three times a minute long means the pool got its connections back
QUIET = 3 * EVERY


def _span(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


class PoolReconnectThrottle(logging.Filter):
    """Lets the first asyncpg pool reconnection warning of a run through, then at most one summary line a minute."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        every: float = EVERY,
        quiet: float = QUIET,
    ) -> None:
        """`clock` (monotonic) times the run; a gap of `quiet` seconds without such a record ends it."""
        super().__init__()
        self._clock = clock
        self._every = every
        self._quiet = quiet
        self._count = 0  # records in the current run, 0 when there is none
        self._held = 0  # records dropped since the last one let through
        # when the run began, when its last record came, and when a line about it was last written
        self._since = self._seen = self._said = 0.0

    @staticmethod
    def matches(record: logging.LogRecord) -> bool:
        """Whether `record` is one of asyncpg's "failed to restore the pool connection" warnings."""
        return (
            record.name == POOL_LOGGER
            and isinstance(record.msg, str)
            and record.msg.startswith(RECONNECT_PREFIX)
        )

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass or drop one record; a summary line is the record itself, rewritten without its traceback."""
        if not self.matches(record):
            return True
        now = self._clock()
        if self._count and now - self._seen >= self._quiet:
            self._count = 0
        self._seen = now
        self._count += 1
        if self._count == 1:
            self._since = self._said = now
            self._held = 0
            return True
        if now - self._said < self._every:
            self._held += 1
            return False
        self._summarise(record, now)
        self._said = now
        self._held = 0
        return True

    def _summarise(self, record: logging.LogRecord, now: float) -> None:
        lasted = now - self._since
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else "unknown"
        # the redacting record factory has already formatted msg with its args, so args go
        record.msg = (
            f"{record.getMessage()} (still failing: {self._count} in a row over {_span(lasted)}, "
            f"{self._held} held back since the last line; last error: {error})"
        )
        record.args = None
        # the traceback was written with the first record; its text may differ, its type is kept above
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.__dict__.update(failures=self._count, held=self._held, seconds=round(lasted, 1))


def install_pool_throttle(clock: Callable[[], float] = time.monotonic) -> Callable[[], None]:
    """Throttle asyncpg's pool reconnection warnings for every handler; returns a function that undoes it."""
    # on the logger itself rather than a handler, so caplog and any handler added later see the same
    logger = logging.getLogger(POOL_LOGGER)
    flt = PoolReconnectThrottle(clock=clock)
    logger.addFilter(flt)
    return lambda: logger.removeFilter(flt)
