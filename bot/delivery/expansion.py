"""The background half of a large fan-out: queues the chats an ingest left for later, a chunk at a time.

An ingest queues only the first chunk of a big fan-out and leaves a cursor
(storage/fanout.py); this loop asks the store for the next chunk until none
is left, and wakes the dispatcher after each one, so sending starts while the
rest is still being queued. Any number of processes may run it: on PostgreSQL
only one expands at a time (an advisory lock), on SQLite only one bot runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from bot.outage import OutageLog
from storage.protocol import Store

log = logging.getLogger(__name__)


class FanoutExpander:
    """Expands the store's pending fan-outs; `run()` in the app, `run_once()` in tests."""

    def __init__(
        self,
        store: Store,
        *,
        chunk: int,
        wake_dispatcher: Callable[[], None],
        poll_interval: float = 1.0,
        head_start: float = 0.1,
        wall_clock: Callable[[], datetime] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Queue `chunk` chats per transaction, wake the dispatcher after each, look every `poll_interval` s.

        Woken by an ingest, the expander first gives the dispatcher a head start:
        the ingest queued the first chunk already, and the dispatcher's claim of
        it must not wait behind an expansion transaction (on SQLite they share
        one connection), or the first message goes out later. The head start
        ends when the dispatcher reports a claim (`claimed()`), at most
        `head_start` seconds after the wake. `clock` (monotonic) times a run of
        failures for the log.
        """
        self.store = store
        self.chunk = chunk
        self.poll_interval = poll_interval
        self.head_start = head_start
        self._wake_dispatcher = wake_dispatcher
        self._wall_clock = wall_clock or partial(datetime.now, UTC)
        self._wake = asyncio.Event()
        self._claimed = asyncio.Event()
        self._outage = OutageLog(log, "expanding a fan-out", clock=clock)

    def wake(self) -> None:
        """Something was ingested: look for a fan-out to expand now."""
        self._claimed.clear()
        self._wake.set()

    def claimed(self) -> None:
        """The dispatcher has claimed since the last wake: a head start can end."""
        self._claimed.set()

    async def run_once(self, *, head_start: float = 0.0) -> int:
        """Expand until nothing is left (or another process expands): the rows queued.

        With `head_start`, first wait for the dispatcher's claim, at most that many seconds.
        """
        if head_start > 0:
            # a fixed pause would leave a fast dispatcher with nothing to send once the first chunk
            # is out (500 rows last 70 ms at 7,000 msg/s); its claim is the moment that matters
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._claimed.wait(), head_start)
        total = 0
        while queued := await self.store.continue_fanout(self.chunk, self._wall_clock()):
            total += queued
            self._wake_dispatcher()
            # the dispatcher shares this event loop: let it claim what was just queued
            await asyncio.sleep(0)
        return total

    async def run(self) -> None:
        """Expand until cancelled; wakes on `wake()` and polls for other processes' ingests."""
        woken = False
        while True:
            self._wake.clear()
            try:
                queued = await self.run_once(head_start=self.head_start if woken else 0.0)
            except Exception as exc:
                # a database hiccup must not stop the expansion for good (logged once, then once a minute)
                self._outage.failed(exc)
            else:
                self._outage.succeeded()
                if queued:
                    log.info("fan-out expanded", extra={"deliveries": queued})
            woken = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                woken = True
