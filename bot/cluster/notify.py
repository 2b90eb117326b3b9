"""Cross-instance wake-up: new outbox rows NOTIFY every instance's dispatcher (LISTEN strikebot_outbox).

A trigger on the deliveries table (migration 0009) sends the notification in
the inserting transaction, whoever inserted: the API or a chat command on any
instance, or `strikebot ingest` from a shell. The dispatcher's poll stays the
fallback when the listening connection is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "strikebot_outbox"


class OutboxListener:
    """Listens on a connection of its own and calls `wake()` for each notification from this schema."""

    def __init__(self, url: str, wake: Callable[[], None], *, retry: float = 1.0, check: float = 5.0) -> None:
        """`wake` is the local dispatcher's wake-up; `check` is how often an idle connection is tested."""
        self._url = url
        self._wake = wake
        self._retry = retry
        self._check = check
        self.listening = asyncio.Event()

    def _for_schema(self, schema: str) -> Callable[[object, int, str, str], None]:
        def on_notify(_con: object, _pid: int, _channel: str, payload: str) -> None:
            if payload == schema:
                self._wake()

        return on_notify

    async def run(self) -> None:
        """Listen until cancelled, connecting again when the connection drops."""
        while True:
            con: asyncpg.Connection | None = None
            try:
                con = await asyncpg.connect(self._url, timeout=5.0)
                schema = await con.fetchval("SELECT current_schema()")

                await con.add_listener(CHANNEL, self._for_schema(str(schema)))
                self.listening.set()
                # rows queued while no one listened are found by this first look
                self._wake()
                while True:
                    await asyncio.sleep(self._check)
                    await con.fetchval("SELECT 1", timeout=self._check)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("outbox notifications paused (the dispatcher polls meanwhile): %s", exc)
            finally:
                self.listening.clear()
                if con is not None:
                    con.terminate()
            await asyncio.sleep(self._retry)
