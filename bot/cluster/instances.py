"""This instance's row among the instances sharing the database: its id, role and when it was last seen."""

from __future__ import annotations

import logging
import os
import secrets
import socket

from storage.coordination import CoordinationStore, Instance

log = logging.getLogger(__name__)

# an instance not seen for this long is shown as gone (it writes its row every few seconds)
ALIVE_SECONDS = 30.0
# rows of instances gone for this long are deleted
FORGET_SECONDS = 3600.0


def new_instance_id() -> str:
    """host:pid plus a short random part, so that a restarted process with a reused pid is a new instance."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class InstanceRegistry:
    """Writes this instance's row and reads everyone's, through the cluster's coordination store."""

    def __init__(self, store: CoordinationStore, instance_id: str) -> None:
        self._store = store
        self.instance_id = instance_id

    async def beat(self, role: str) -> None:
        """Say this instance is alive in `role` (leader or follower) now."""
        await self._store.record_instance(self.instance_id, role, socket.gethostname(), os.getpid())

    async def leave(self) -> None:
        """Remove this instance's row (a clean stop)."""
        await self._store.remove_instance(self.instance_id)

    async def forget_gone(self) -> int:
        """Delete the rows of instances gone for an hour; how many."""
        return await self._store.forget_instances(FORGET_SECONDS)

    async def list(self) -> list[Instance]:
        """Every known instance, leader first, then the most recently seen."""
        return await self._store.list_instances(ALIVE_SECONDS)


def leader_of(instances: list[Instance]) -> Instance | None:
    """The instance leading now, if any is alive and says so."""
    return next((i for i in instances if i.alive and i.role == "leader"), None)
