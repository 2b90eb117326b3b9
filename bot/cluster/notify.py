"""Cross-instance wake-up: new outbox rows notify every instance's dispatcher.

A trigger on the deliveries table (migration 0009) sends the notification in
the inserting transaction, whoever inserted: the API or a chat command on any
instance, or `strikebot ingest` from a shell. The dispatcher's poll stays the
fallback when the listening connection is down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.outage import OutageLog
from storage.coordination import CoordinationError, CoordinationStore, OutboxWatch

log = logging.getLogger(__name__)


class OutboxListener:
    """Listens on a connection of its own and calls `wake()` for each notification from this schema."""

    def __init__(
        self,
        store: CoordinationStore,
        wake: Callable[[], None],
        *,
        retry: float = 1.0,
        check: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`wake` is the local dispatcher's wake-up; `check` is how often an idle connection is tested."""
        self._store = store
        self._wake = wake
        self._retry = retry
        self._check = check
        self.listening = asyncio.Event()
        # paused notifications: the dispatcher polls meanwhile
        self._outage = OutageLog(log, "listening for outbox notifications", clock=clock)

    async def run(self) -> None:
        """Listen until cancelled, connecting again when the connection drops."""
        while True:
            watch: OutboxWatch | None = None
            try:
                watch = await self._store.listen_outbox(self._wake, connect_timeout=5.0)
                self._outage.succeeded()
                self.listening.set()
                # rows queued while no one listened are found by this first look
                self._wake()
                while True:
                    await asyncio.sleep(self._check)
                    await watch.check(self._check)
            except (OSError, CoordinationError, TimeoutError) as exc:
                self._outage.failed(exc)
            finally:
                self.listening.clear()
                if watch is not None:
                    watch.end()
            await asyncio.sleep(self._retry)
