"""What several `strikebot run` processes share through one database: leader lock, instance rows, wake-ups, rates, update claims.

Only PostgreSQL can be shared by processes on several machines; a SQLite file
is served by one process, which holds its run lock (storage/sqlite/run_lock.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storage.errors import StoreError


class CoordinationError(StoreError):
    """The database did not answer or refused a coordination step; the caller tries again later."""


@dataclass(frozen=True)
class Instance:
    """One row of the instances table."""

    id: str
    role: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime
    alive: bool


class LeaderSession(Protocol):
    """A connection of its own that may hold the leader lock; the lock goes with the session."""

    async def try_lead(self, timeout: float) -> bool:
        """Take the leader lock if it is free; whether this session holds it now."""
        ...

    async def heartbeat(self, timeout: float) -> None:
        """Raise when the session does not answer within `timeout` seconds."""
        ...

    def end(self) -> None:
        """Drop the session at once (and the lock with it), without waiting for the server."""
        ...


class OutboxWatch(Protocol):
    """A connection of its own listening for new outbox rows of this store's schema."""

    async def check(self, timeout: float) -> None:
        """Raise when the connection does not answer within `timeout` seconds."""
        ...

    def end(self) -> None:
        """Stop listening and drop the connection at once."""
        ...


class CoordinationStore(Protocol):
    """The database's side of a cluster; the row operations need `open()`, the sessions connect on their own."""

    async def open(self) -> None:
        """Open the small pool the row operations use."""
        ...

    async def close(self) -> None:
        """Close the pool."""
        ...

    async def record_instance(self, instance_id: str, role: str, host: str, pid: int) -> None:
        """Write that `instance_id` is alive in `role` now."""
        ...

    async def remove_instance(self, instance_id: str) -> None:
        """Delete the row of `instance_id`."""
        ...

    async def forget_instances(self, gone_for: float) -> int:
        """Delete the rows of instances not seen for `gone_for` seconds; how many."""
        ...

    async def list_instances(self, alive_within: float) -> list[Instance]:
        """Every instance, the live leader first, then the most recently seen; alive when seen within `alive_within`."""
        ...

    async def take_rate_slots(self, bucket: str, count: int, interval: float) -> float:
        """Reserve `count` send slots `interval` apart in `bucket`; the first, in epoch seconds on the database's clock."""
        ...

    async def pause_rate_slots(self, bucket: str, seconds: float) -> float:
        """Hold `bucket` for `seconds` (a global 429): no slot before database now + `seconds`; that end, epoch s."""
        ...

    async def claim_update(self, platform: str, update_id: int) -> bool:
        """True for the one caller that claims `update_id` first, False for every later one."""
        ...

    async def forget_updates(self, older_than: float) -> int:
        """Delete update claims older than `older_than` seconds; how many."""
        ...

    async def lead(self, *, connect_timeout: float, idle_timeout: float) -> LeaderSession:
        """A new leader session; the server ends it after `idle_timeout` seconds without a word from it."""
        ...

    async def listen_outbox(self, wake: Callable[[], None], *, connect_timeout: float) -> OutboxWatch:
        """Call `wake()` for each new outbox row of this schema, whoever inserted it, until the watch ends."""
        ...


def is_shared(url: str) -> bool:
    """Whether several processes may serve the database at `url` (PostgreSQL) rather than one (SQLite)."""
    return url.startswith(("postgres://", "postgresql://"))


def open_coordination(url: str) -> CoordinationStore:
    """The coordination store of a PostgreSQL URL (not yet opened)."""
    if not is_shared(url):
        raise StoreError("only PostgreSQL is shared by several instances")
    from storage.postgres.coordination import PostgresCoordination

    return PostgresCoordination(url)


async def read_instances(url: str, alive_within: float) -> list[Instance]:
    """The instances of a PostgreSQL database; none for SQLite (one instance) or before migration 0009."""
    if not is_shared(url):
        return []
    from storage.postgres.coordination import read_instances as read

    return await read(url, alive_within)
