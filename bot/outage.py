"""How a recurring task reports a run of failures: the first in full, then a line a minute, then the recovery.

A background loop that reaches the database (claiming deliveries, expanding
fan-outs, renewing leases, housekeeping, the cluster's connections) fails on
every turn while the database is away. One OutageLog per loop turns a run of
consecutive failures into:

- the first failure: ERROR, "<what> failed", with its traceback;
- while it keeps failing: at most one WARNING line per `every` seconds (a
  minute), how many failures over how long and the type of the last error,
  never its text (a driver's message may quote a connection string);
- the first success after that: INFO, "<what> recovered after N failures over T s".

The loop keeps its own sleeps and retries; this only decides what is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

# at most one "still failing" line per this many seconds
EVERY = 60.0


def _span(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


class OutageLog:
    """Logs one task's failures and recovery sparingly; call `failed(exc)` on each failure, `succeeded()` on each success."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        every: float = EVERY,
    ) -> None:
        """Log to `logger` as "`what` failed" / "still failing" / "recovered"; `clock` (monotonic) times the run."""
        self._log = logger
        self._what = what
        self._clock = clock
        self._every = every
        self._failures = 0
        # when the run of failures began, and when a line about it was last written
        self._since = 0.0
        self._said = 0.0

    @property
    def failures(self) -> int:
        """Failures in a row so far (0 while the task works)."""
        return self._failures

    def failed(self, exc: BaseException, extra: Mapping[str, object] | None = None) -> None:
        """One more failure: the first of a run with its traceback (and `extra` fields), then at most a line a minute."""
        now = self._clock()
        self._failures += 1
        if self._failures == 1:
            self._since = self._said = now
            self._log.error("%s failed", self._what, exc_info=exc, extra=dict(extra or {}), stacklevel=2)
            return
        if now - self._said < self._every:
            return
        self._said = now
        lasted = now - self._since
        self._log.warning(
            "%s still failing: %d failures in a row over %s (last error: %s)",
            self._what, self._failures, _span(lasted), type(exc).__name__,
            extra={"failures": self._failures, "seconds": round(lasted, 1)},
            stacklevel=2,
        )

    def succeeded(self) -> None:
        """The task worked: after a run of failures, say it recovered once and start counting afresh."""
        if not self._failures:
            return
        lasted = self._clock() - self._since
        self._log.info(
            "%s recovered after %d failure%s over %s",
            self._what, self._failures, "" if self._failures == 1 else "s", _span(lasted),
            extra={"failures": self._failures, "seconds": round(lasted, 1)},
            stacklevel=2,
        )
        self._failures = 0
