"""Leader election: a PostgreSQL session advisory lock held on a connection of its own.

The instance whose session holds the lock is the leader: it alone polls
Telegram's getUpdates and keeps the Discord gateway. PostgreSQL frees the lock
the moment that session ends, so:

- the leader dies (SIGKILL, crash): its socket closes, the lock is free at once;
- the leader hangs or its network goes: the server ends the idle session after
  `session_timeout` (idle_session_timeout), and the leader itself steps down
  when a heartbeat does not come back within `heartbeat` seconds, before that;
- a follower tries the lock every `retry` seconds.

With the defaults a follower takes over within 10 s in every case. The
session and its SQL live in storage/postgres/coordination.py; the timers and
the roles are here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.outage import OutageLog
from storage.coordination import CoordinationError, CoordinationStore, LeaderSession

log = logging.getLogger(__name__)

RoleChange = Callable[[bool], Awaitable[None]]


class LeaderLock:
    """Holds or waits for the leader lock until cancelled; reports every change of role."""

    def __init__(
        self,
        store: CoordinationStore,
        on_change: RoleChange,
        *,
        heartbeat: float = 2.0,
        retry: float = 1.0,
        session_timeout: float = 7.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`on_change(True)` when this instance becomes leader, `on_change(False)` when it stops being one."""
        self._store = store
        self._on_change = on_change
        self._heartbeat = heartbeat
        self._retry = retry
        self._session_timeout = session_timeout
        self.is_leader = False
        self._changed = asyncio.Event()
        self._outage = OutageLog(log, "the leader lock connection", clock=clock)

    async def wait_changed(self) -> bool:
        """Wait for the next change of role; the role then."""
        self._changed.clear()
        await self._changed.wait()
        return self.is_leader

    async def run(self) -> None:
        """Try, hold and heartbeat the lock forever (reconnecting when the database goes away)."""
        try:
            while True:
                session: LeaderSession | None = None
                try:
                    session = await self._store.lead(
                        connect_timeout=max(self._heartbeat, 5.0), idle_timeout=self._session_timeout
                    )
                    self._outage.succeeded()
                    await self._hold(session)
                except (OSError, CoordinationError, TimeoutError) as exc:
                    self._outage.failed(exc)
                finally:
                    await self._set(False)
                    if session is not None:
                        # the lock goes with the session: end it rather than wait for a dead server
                        session.end()
                await asyncio.sleep(self._retry)
        finally:
            await asyncio.shield(self._set(False))

    async def _hold(self, session: LeaderSession) -> None:
        while True:
            if self.is_leader:
                await session.heartbeat(self._heartbeat)
            elif await session.try_lead(self._heartbeat):
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
