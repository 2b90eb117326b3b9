"""How this `strikebot run` shares the bot with other processes: alone on SQLite, or one of a cluster on PostgreSQL.

On SQLite the process holds the database's run lock and does everything
itself. On PostgreSQL it joins the cluster: the leader alone polls Telegram
and keeps the Discord gateway (its LeaderDuty list), update ids are claimed in
the database, the overall send rates are shared, and new outbox rows wake
every instance.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from prometheus_client import CollectorRegistry

from bot.cluster.node import Cluster
from bot.cluster.report import InstancesCollector
from bot.cluster.single_instance import sqlite_run_lock
from bot.cluster.updates_seen import MemoryLedger, UpdateLedger
from bot.delivery.ratelimit import PlatformLimits
from storage.coordination import Instance, is_shared
from storage.factory import sqlite_path

log = logging.getLogger(__name__)

# a duty that failed to start (the platform did not answer) is tried again this often while leading
RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class LeaderDuty:
    """What only the leader does for one platform: how to take it on and how to give it up."""

    name: str
    take: Callable[[], Awaitable[None]]
    give_up: Callable[[], Awaitable[None]]


class Coordination:
    """This process's standing among the instances; a cluster of one when `cluster` is None (SQLite)."""

    def __init__(self, cluster: Cluster | None) -> None:
        self.cluster = cluster
        self._ledger: UpdateLedger = cluster.ledger if cluster is not None else MemoryLedger()
        self._retrying: asyncio.Task[None] | None = None

    @property
    def lead_at_start(self) -> bool:
        """Whether polling and the gateway start with the transports (alone) or wait for the election."""
        return self.cluster is None

    @property
    def ledger(self) -> UpdateLedger:
        """Where handled update ids are remembered."""
        return self._ledger

    @property
    def instance_id(self) -> str | None:
        """This instance's id among several (None when alone)."""
        return self.cluster.instance_id if self.cluster is not None else None

    @property
    def role(self) -> str:
        """leader or follower (alone: leader)."""
        return self.cluster.role if self.cluster is not None else "leader"

    def shared(self, limits: Mapping[str, PlatformLimits]) -> dict[str, PlatformLimits]:
        """`limits` with each platform's overall rate shared among the instances (this process's own when alone)."""
        cluster = self.cluster
        if cluster is None:
            return dict(limits)
        return {
            platform: replace(own, overall=cluster.rate_limiter(platform, own.overall.rate))
            if own.overall.rate > 0
            else own
            for platform, own in limits.items()
        }

    def register_metrics(self, registry: CollectorRegistry) -> None:
        """Show the instances and this one's role on /metrics (nothing when alone)."""
        cluster = self.cluster
        if cluster is not None:
            registry.register(InstancesCollector(cluster.instance_id, lambda: cluster.role, lambda: cluster.last_seen))

    async def instances(self) -> list[Instance]:
        """The instances on the database, leader first (none when alone)."""
        return await self.cluster.instances() if self.cluster is not None else []

    def follow(self, duties: Sequence[LeaderDuty]) -> None:
        """Take part in the election: each duty is taken on when this instance leads and given up when it stops."""
        if self.cluster is None:
            return
        duties = list(duties)

        async def changed(leader: bool) -> None:
            if self._retrying is not None:
                self._retrying.cancel()
                self._retrying = None
            failed = [duty for duty in duties if not await _attempt(duty, leader)]
            if failed and leader:
                # a leader that does not poll would leave the bot deaf: keep trying while it leads
                self._retrying = asyncio.create_task(_keep_taking(failed), name="leader-duties")

        self.cluster.elect(changed)


async def _attempt(duty: LeaderDuty, leader: bool) -> bool:
    try:
        await (duty.take() if leader else duty.give_up())
    except Exception:  # one platform failing must not keep the others from following
        log.exception("%s could not %s", duty.name, "start" if leader else "stop")
        return False
    return True


async def _keep_taking(duties: list[LeaderDuty], pause: float = RETRY_SECONDS) -> None:
    while duties:
        await asyncio.sleep(pause)
        duties = [duty for duty in duties if not await _attempt(duty, True)]


@asynccontextmanager
async def coordinate(database_url: str, wake: Callable[[], None]) -> AsyncIterator[Coordination]:
    """Hold the SQLite run lock (AlreadyRunning when taken), or join the PostgreSQL cluster, for the block."""
    if is_shared(database_url):
        async with Cluster(database_url, wake) as cluster:
            yield Coordination(cluster)
    elif database_url.startswith("sqlite:"):
        with sqlite_run_lock(sqlite_path(database_url)):
            yield Coordination(None)
    else:
        yield Coordination(None)
