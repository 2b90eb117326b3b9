"""The instances table: which `strikebot run` processes share the database, their role and when each was last seen."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime

import asyncpg

log = logging.getLogger(__name__)

# an instance not seen for this long is shown as gone (it writes its row every few seconds)
ALIVE_SECONDS = 30.0
# rows of instances gone for this long are deleted
FORGET_SECONDS = 3600.0


def new_instance_id() -> str:
    """host:pid plus a short random part, so that a restarted process with a reused pid is a new instance."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


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


class InstanceRegistry:
    """Writes this instance's row and reads everyone's, through a pool of the cluster's own."""

    def __init__(self, pool: asyncpg.Pool, instance_id: str) -> None:
        self._pool = pool
        self.instance_id = instance_id

    async def beat(self, role: str) -> None:
        """Say this instance is alive in `role` (leader or follower) now."""
        await self._pool.execute(
            "INSERT INTO instances (id, role, host, pid) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (id) DO UPDATE SET role = excluded.role, last_seen = now()",
            self.instance_id,
            role,
            socket.gethostname(),
            os.getpid(),
        )

    async def leave(self) -> None:
        """Remove this instance's row (a clean stop)."""
        await self._pool.execute("DELETE FROM instances WHERE id = $1", self.instance_id)

    async def forget_gone(self) -> int:
        """Delete the rows of instances gone for an hour; how many."""
        status = await self._pool.execute(
            "DELETE FROM instances WHERE last_seen < now() - make_interval(secs => $1)", FORGET_SECONDS
        )
        return int(status.rsplit(" ", 1)[-1])

    async def list(self) -> list[Instance]:
        """Every known instance, leader first, then the most recently seen."""
        return await list_instances(self._pool)


async def list_instances(con: asyncpg.Pool | asyncpg.Connection) -> list[Instance]:
    """The instances table as operators see it (any connection to the database will do)."""
    rows = await con.fetch(
        "SELECT id, role, host, pid, started_at, last_seen, "
        "last_seen > now() - make_interval(secs => $1) AS alive "
        "FROM instances ORDER BY (role = 'leader' AND last_seen > now() - make_interval(secs => $1)) DESC, "
        "last_seen DESC, id",
        ALIVE_SECONDS,
    )
    return [
        Instance(r["id"], r["role"], r["host"], r["pid"], r["started_at"], r["last_seen"], r["alive"]) for r in rows
    ]


def leader_of(instances: list[Instance]) -> Instance | None:
    """The instance leading now, if any is alive and says so."""
    return next((i for i in instances if i.alive and i.role == "leader"), None)
