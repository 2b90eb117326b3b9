"""Leader election: a PostgreSQL session advisory lock held on a connection of its own.

The instance whose connection holds the lock is the leader: it alone polls
Telegram's getUpdates and keeps the Discord gateway. PostgreSQL frees the lock
the moment that session ends, so:

- the leader dies (SIGKILL, crash): its socket closes, the lock is free at once;
- the leader hangs or its network goes: the server ends the idle session after
  `session_timeout` (idle_session_timeout), and the leader itself steps down
  when a heartbeat does not come back within `heartbeat` seconds, before that;
- a follower tries the lock every `retry` seconds.

With the defaults a follower takes over within 10 s in every case.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

# the lock's two keys: strikebot's leader, per schema (stores in other schemas elect their own)
_LOCK_KEYS = "hashtext('strikebot-leader'), hashtext(current_schema())"

RoleChange = Callable[[bool], Awaitable[None]]


class LeaderLock:
    """Holds or waits for the leader lock until cancelled; reports every change of role."""

    def __init__(
        self,
        url: str,
        on_change: RoleChange,
        *,
        heartbeat: float = 2.0,
        retry: float = 1.0,
        session_timeout: float = 7.0,
    ) -> None:
        """`on_change(True)` when this instance becomes leader, `on_change(False)` when it stops being one."""
        self._url = url
        self._on_change = on_change
        self._heartbeat = heartbeat
        self._retry = retry
        self._session_timeout = session_timeout
        self.is_leader = False
        self._changed = asyncio.Event()

    async def wait_changed(self) -> bool:
        """Wait for the next change of role; the role then."""
        self._changed.clear()
        await self._changed.wait()
        return self.is_leader

    async def run(self) -> None:
        """Try, hold and heartbeat the lock forever (reconnecting when the database goes away)."""
        try:
            while True:
                con: asyncpg.Connection | None = None
                try:
                    con = await asyncpg.connect(self._url, timeout=max(self._heartbeat, 5.0))
                    await self._limit_idle(con)
                    await self._hold(con)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                    log.warning("leader lock connection failed: %s", exc)
                finally:
                    await self._set(False)
                    if con is not None:
                        # the lock goes with the session: terminate rather than wait for a dead server
                        con.terminate()
                await asyncio.sleep(self._retry)
        finally:
            await asyncio.shield(self._set(False))

    async def _limit_idle(self, con: asyncpg.Connection) -> None:
        # a leader that stops answering loses its session (and the lock) on the server's side too
        millis = int(self._session_timeout * 1000)
        with contextlib.suppress(asyncpg.PostgresError):
            await con.execute(f"SET idle_session_timeout = {millis}")

    async def _hold(self, con: asyncpg.Connection) -> None:
        while True:
            if self.is_leader:
                await con.fetchval("SELECT 1", timeout=self._heartbeat)
            elif await con.fetchval(f"SELECT pg_try_advisory_lock({_LOCK_KEYS})", timeout=self._heartbeat):
                await self._set(True)
            await asyncio.sleep(self._heartbeat if self.is_leader else self._retry)

    async def _set(self, leader: bool) -> None:
        if leader == self.is_leader:
            return
        self.is_leader = leader
        log.info("this instance is now the %s", "leader" if leader else "follower")
        self._changed.set()
        try:
            await self._on_change(leader)
        except Exception:  # a failing start or stop of polling must not end the election
            log.exception("switching to %s failed", "leader" if leader else "follower")
