"""The outbox rows a dispatcher holds: leased to it by name, renewed in batches while it works on them.

A lease is held from the claim until the row's result is stored. The holder
renews all of its leases at once every third of a lease, so a row waiting in
the queue or on a slow platform never runs out. Locally each row has a
deadline (monotonic clock) until which the lease is known to hold: the claim
or the last renewal that included it, plus the lease, minus a margin for the
time the database write took to become visible to others. A row past its
deadline, or one the store no longer renews for us (another holder took it
over after the lease did run out, or it was finished), is not sent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from bot.outage import OutageLog
from storage.protocol import Store

log = logging.getLogger(__name__)


class Leases:
    """This dispatcher's leases: `hold` after a claim, `holds` before a send, `let_go` once stored; `run` renews."""

    def __init__(
        self,
        store: Store,
        *,
        lease_seconds: float,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime],
    ) -> None:
        """Lease for `lease_seconds`; `clock` (monotonic) keeps the deadlines, `wall_clock` dates the leases in the store."""
        self.holder = uuid.uuid4().hex
        self._store = store
        self._seconds = lease_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        # renewing happens three times a lease; the margin leaves room for one late renewal
        self._interval = lease_seconds / 3
        self._margin = min(lease_seconds / 4, 2.0)
        self._deadlines: dict[int, float] = {}
        self.lost = 0
        self._outage = OutageLog(log, "renewing delivery leases", clock=clock)

    def __contains__(self, delivery_id: object) -> bool:
        return delivery_id in self._deadlines

    def __len__(self) -> int:
        return len(self._deadlines)

    def hold(self, ids: Iterable[int], since: float) -> None:
        """Rows leased by a claim sent at `since` (monotonic)."""
        deadline = since + self._seconds - self._margin
        for delivery_id in ids:
            self._deadlines[delivery_id] = deadline

    def holds(self, delivery_id: int) -> bool:
        """Whether the lease on this row is known to hold now: only then may it be sent."""
        deadline = self._deadlines.get(delivery_id)
        return deadline is not None and self._clock() < deadline

    def let_go(self, delivery_id: int) -> None:
        """The row's result is stored (or the row was dropped): stop renewing it."""
        self._deadlines.pop(delivery_id, None)

    async def renew(self) -> None:
        """Renew every lease held now in one write; forget the rows the store no longer holds for us."""
        if not self._deadlines:
            return
        ids = list(self._deadlines)
        started = self._clock()
        try:
            kept = await self._store.renew_deliveries(
                ids, holder=self.holder, now=self._wall_clock(), lease_seconds=self._seconds
            )
        except Exception as exc:
            # the deadlines stand: rows past theirs are not sent, and come back when their lease ends
            self._outage.failed(exc, {"leases": len(ids)})
            return
        self._outage.succeeded()
        deadline = started + self._seconds - self._margin
        for delivery_id in ids:
            if delivery_id not in self._deadlines:
                continue  # finished while the renewal was on its way
            if delivery_id in kept:
                self._deadlines[delivery_id] = deadline
            else:
                del self._deadlines[delivery_id]
                self.lost += 1
                log.warning("delivery %d: lease lost (taken over or finished elsewhere); not sending it", delivery_id)

    async def run(self) -> None:
        """Renew every third of a lease until cancelled."""
        while True:
            await asyncio.sleep(self._interval)
            await self.renew()
