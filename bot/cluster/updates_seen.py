"""Each platform update handled once: the first instance to claim an update id handles it, later copies are dropped.

Telegram sends an update again when a webhook answer was late, and getUpdates
hands out again what the previous leader fetched but did not confirm before it
died; in both cases the copy may land on another instance.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from storage.coordination import CoordinationStore

# claims are kept this long: longer than Telegram keeps an update or retries a webhook
KEEP_SECONDS = 2 * 86400.0


class UpdateLedger(Protocol):
    """Remembers which update ids were taken."""

    async def claim(self, platform: str, update_id: int) -> bool:
        """True the first time `update_id` is claimed (handle it), False for a copy (drop it)."""
        ...


class MemoryLedger:
    """The ledger of a single instance: the most recent ids in memory."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[str, int], None] = OrderedDict()

    async def claim(self, platform: str, update_id: int) -> bool:
        """True the first time, False for a copy among the last `size` ids."""
        key = (platform, update_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


class SharedLedger:
    """The ledger shared by every instance: the database keeps one claim per update id."""

    def __init__(self, store: CoordinationStore) -> None:
        self._store = store

    async def claim(self, platform: str, update_id: int) -> bool:
        """True for the one instance whose claim was first."""
        return await self._store.claim_update(platform, update_id)

    async def prune(self) -> int:
        """Delete claims older than KEEP_SECONDS; how many."""
        return await self._store.forget_updates(KEEP_SECONDS)
