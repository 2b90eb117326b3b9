"""This instance's part among several on one PostgreSQL database: its row, the leader lock, wake-ups, shared rates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

from bot.cluster.instances import InstanceRegistry, new_instance_id
from bot.cluster.leader import LeaderLock, RoleChange
from bot.cluster.notify import OutboxListener
from bot.cluster.shared_limit import SharedRateLimiter, SharedSlots
from bot.cluster.updates_seen import SharedLedger
from bot.outage import OutageLog
from storage.coordination import CoordinationError, CoordinationStore, Instance, open_coordination

log = logging.getLogger(__name__)

# how often this instance's row is written (it shows as gone after instances.ALIVE_SECONDS)
BEAT_SECONDS = 2.0
# how often old rows (gone instances, old update claims) are deleted
TIDY_SECONDS = 600.0


class Cluster:
    """Use with `async with`; call `elect()` once the transports can follow a change of role."""

    def __init__(self, url: str, wake: Callable[[], None], *, instance_id: str | None = None) -> None:
        """`url` is the store's PostgreSQL URL, `wake` the local dispatcher's wake-up."""
        self._store = open_coordination(url)
        self._wake = wake
        self.instance_id = instance_id or new_instance_id()
        self._open = False
        self._registry: InstanceRegistry | None = None
        self._leader: LeaderLock | None = None
        self.listener = OutboxListener(self._store, wake)
        self._tasks: list[asyncio.Task[None]] = []
        self._beat_now = asyncio.Event()
        # the instances table as read at the last heartbeat (for /metrics, which must not query)
        self.last_seen: list[Instance] = []
        self._beats = OutageLog(log, "writing this instance's row")
        self._tidying = OutageLog(log, "deleting old instance rows")

    @property
    def store(self) -> CoordinationStore:
        """The cluster's coordination store, with a small pool of its own (not the bot store's)."""
        if not self._open:
            raise RuntimeError("the cluster is not started")
        return self._store

    @property
    def role(self) -> str:
        """leader or follower."""
        return "leader" if self._leader is not None and self._leader.is_leader else "follower"

    @property
    def ledger(self) -> SharedLedger:
        """Update ids claimed by any instance."""
        return SharedLedger(self.store)

    def rate_limiter(self, platform: str, rate: float) -> SharedRateLimiter:
        """The overall rate of `platform`, shared with every instance."""
        return SharedRateLimiter(rate, SharedSlots(self.store, platform))

    async def instances(self) -> list[Instance]:
        """Every instance on the database, leader first."""
        if self._registry is None:
            return []
        return await self._registry.list()

    async def __aenter__(self) -> Cluster:
        await self._store.open()
        self._open = True
        self._registry = InstanceRegistry(self._store, self.instance_id)
        await self._registry.beat(self.role)
        self._tasks.append(asyncio.create_task(self.listener.run(), name="cluster-listen"))
        self._tasks.append(asyncio.create_task(self._beat(), name="cluster-beat"))
        log.info("instance joined", extra={"instance": self.instance_id})
        return self

    def elect(self, on_change: RoleChange) -> None:
        """Start taking part in the leader election; `on_change(leader)` follows each change of role."""

        async def changed(leader: bool) -> None:
            self._beat_now.set()
            await on_change(leader)

        self._leader = LeaderLock(self._store, changed)
        self._tasks.append(asyncio.create_task(self._leader.run(), name="cluster-leader"))

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for task in reversed(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._registry is not None:
            with contextlib.suppress(OSError, CoordinationError):
                await self._registry.leave()
        if self._open:
            await self._store.close()
            self._open = False
        log.info("instance left", extra={"instance": self.instance_id})

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        tidied = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._beat_now.wait(), BEAT_SECONDS)
            self._beat_now.clear()
            await _quietly(self._beats, self._registry_beat())
            if loop.time() - tidied > TIDY_SECONDS:
                tidied = loop.time()
                await _quietly(self._tidying, self._tidy())

    async def _registry_beat(self) -> None:
        assert self._registry is not None
        await self._registry.beat(self.role)
        self.last_seen = await self._registry.list()

    async def _tidy(self) -> None:
        assert self._registry is not None
        await self._registry.forget_gone()
        await self.ledger.prune()


async def _quietly(outage: OutageLog, work: Awaitable[None]) -> None:
    # housekeeping against a database that is away: log (once, then once a minute), and try again on the next beat
    try:
        await work
    except (OSError, CoordinationError) as exc:
        outage.failed(exc)
    else:
        outage.succeeded()
