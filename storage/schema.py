"""Schema migrations: the numbered .sql files of a backend and the order they are applied in.

The files live in storage/migrations/<backend>/NNNN_name.sql. Each pending one
is applied in its own transaction under the backend's migration lock, and the
version is read again under that lock, so that several processes starting at
once apply every migration exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from typing import Protocol, TypeVar

logger = logging.getLogger(__name__)

C = TypeVar("C")


@dataclass(frozen=True, order=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    sql: str


def load_migrations(backend: str) -> list[Migration]:
    """The backend's migrations, lowest version first."""
    folder = resources.files("storage").joinpath("migrations", backend)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append(Migration(version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class MigrationTarget(Protocol[C]):
    """What a backend does for the migration loop: its lock, its version table, its way of running a script."""

    async def known_version(self) -> int:
        """The version seen before taking the lock (0 where the backend does not look first)."""
        ...

    def locked(self) -> AbstractAsyncContextManager[C]:
        """A transaction holding the migration lock (the version table exists inside it)."""
        ...

    async def version(self, con: C) -> int:
        """The highest version recorded."""
        ...

    async def apply(self, con: C, sql: str) -> None:
        """Run one migration script."""
        ...

    async def record(self, con: C, version: int) -> None:
        """Note a version as applied."""
        ...


async def migrate(target: MigrationTarget[C], migrations: Sequence[Migration]) -> list[int]:
    """Apply the pending migrations in version order, one transaction each; the versions applied."""
    known = await target.known_version()
    applied = []
    for migration in migrations:
        if migration.version <= known:
            continue
        async with target.locked() as con:
            # read again under the lock: another process may have applied it meanwhile
            if await target.version(con) >= migration.version:
                continue
            await target.apply(con, migration.sql)
            await target.record(con, migration.version)
        logger.info("applied migration %s", migration.name)
        applied.append(migration.version)
    return applied
