"""A platform's overall send rate shared by every instance through a database row (rate_budgets).

The row holds the next free send slot on the database's clock. An instance that
needs slots moves it forward by a small batch in one atomic step (so two
instances never get the same slot) and sends at the slots it got, evenly spaced
as the local limiter does. Together the instances stay within the rate; an
instance alone takes consecutive batches and gets the whole rate. When the
database does not answer, the instance paces itself alone until it does, and
asks again in the background meanwhile: a database that hangs rather than
refuses (a frozen network; storage bounds a reservation at 2 s) holds up the
first send of the outage, not every send.

A global 429 (the platform's flood control for the whole bot) is shared the
same way: `pause()` pauses this instance at once and, in the background, moves
the row's next free slot past the pause's end, so every instance's next
reservation lands after it. Slots an instance reserved before it heard of the
pause (at most a batch) may still go; this instance drops its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from bot.delivery.ratelimit import DEFAULT_MARGIN, Clock, GlobalLimiter
from bot.outage import OutageLog
from storage.coordination import CoordinationError, CoordinationStore

log = logging.getLogger(__name__)

# a batch covers this long at the full rate: one database round trip per ~200 ms of sending
BATCH_SECONDS = 0.2


class SharedSlots:
    """Reserves send slots from the shared budget of one bucket (e.g. "telegram")."""

    def __init__(self, store: CoordinationStore, bucket: str) -> None:
        self._store = store
        self.bucket = bucket

    async def reserve(self, count: int, interval: float) -> float:
        """Take `count` slots `interval` apart; the first one, in seconds since the epoch on the database's clock."""
        return await self._store.take_rate_slots(self.bucket, count, interval)

    async def pause(self, seconds: float) -> float:
        """Give out no slot before the database's now + `seconds`; that end, in epoch seconds on its clock."""
        return await self._store.pause_rate_slots(self.bucket, seconds)


class SharedRateLimiter(GlobalLimiter):
    """A GlobalLimiter whose slots come from SharedSlots: the rate is the bot's, not the process's."""

    def __init__(
        self,
        rate: float,
        slots: SharedSlots,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        """`rate` messages per second for all instances together (0: no cap, and nothing shared).

        Slots are times on the database's clock, waited for on `wall`: one clock on one host,
        and within milliseconds of it on hosts that NTP keeps in time. While the database
        does not answer, the instance paces itself alone; the outage is logged on `clock`
        as OutageLog does (one traceback, a line a minute, the recovery), not once a batch.
        """
        super().__init__(rate, margin=margin, clock=clock)
        self._slots = slots
        self._clock_fn = wall
        self._spacing = (1.0 + margin) / rate if rate > 0 else 0.0
        self._batch = max(1, round(rate * BATCH_SECONDS))
        # a slot is used at most half a spacing late or not at all: a later send would bunch up with
        # the neighbouring slot, which another instance may hold, and network jitter takes the rest
        self._lateness = 0.5 * self._spacing
        self._ready: deque[float] = deque()
        # the last reservation failed: pace alone, with the next one asked for in the background
        self._alone = False
        self._asking: asyncio.Task[bool] | None = None
        self._lock = asyncio.Lock()
        self._urgent_waiting = 0
        self._urgent_turn = asyncio.Event()
        self._urgent_turn.set()
        self._outage = OutageLog(log, f"reserving shared {slots.bucket} rate slots", clock=clock)
        # the pause being written to the shared row (referenced: a task nobody holds may vanish mid-way),
        # and the local pause's end (on `clock`) it last wrote: 429s in a burst make one or two writes
        self._sharing: asyncio.Task[None] | None = None
        self._shared_until = 0.0
        self._pauses = OutageLog(log, f"sharing a {slots.bucket} pause", clock=clock)

    def pause(self, seconds: float) -> None:
        """The platform asked the whole bot to wait: pause here at once, and every instance through the shared row."""
        super().pause(seconds)
        if self._spacing == 0.0:
            return
        end = self._clock_fn() + seconds
        # our slots inside the pause would only be skipped as late one by one after it
        self._ready = deque(slot for slot in self._ready if slot >= end)
        if self._sharing is None or self._sharing.done():
            self._sharing = asyncio.create_task(self._share_pause(), name=f"shared-{self._slots.bucket}-pause")

    async def _share_pause(self) -> None:
        # pause() is synchronous and on the send path: it must not wait for the database, nor fail
        while self._paused_until > self._shared_until and (seconds := self.paused_for()) > 0:
            self._shared_until = self._paused_until
            try:
                await self._slots.pause(seconds)
            except Exception as exc:  # a background task's error would otherwise go unseen until collected
                self._pauses.failed(exc, extra={"fallback": "pausing this instance alone"})
                return
            self._pauses.succeeded()

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for the next shared slot and take it; replies (`urgent`) go before alerts waiting."""
        if self._spacing == 0.0:
            await super().acquire()
            return
        if urgent:
            self._urgent_waiting += 1
            self._urgent_turn.clear()
        else:
            await self._urgent_turn.wait()
        try:
            async with self._lock:
                while True:
                    slot = await self._next_slot()
                    while (wait := max(slot, self._clock_fn() + self.paused_for()) - self._clock_fn()) > 0:
                        await asyncio.sleep(wait)
                    if self._clock_fn() <= slot + self._lateness:
                        break
                    # woke too late for this slot: sending now would crowd the next instance's slot
        finally:
            if urgent:
                self._urgent_waiting -= 1
                if self._urgent_waiting == 0:
                    self._urgent_turn.set()

    async def _next_slot(self) -> float:
        now = self._clock_fn()
        while self._ready and self._ready[0] < now - self._lateness:
            self._ready.popleft()
        if not self._ready:
            if self._alone:
                if self._asking is None or self._asking.done():
                    self._asking = asyncio.create_task(self._reserve(), name=f"shared-{self._slots.bucket}-slots")
            elif await self._reserve():
                return self._ready.popleft()
            await super().acquire()
            return self._clock_fn()
        return self._ready.popleft()

    async def _reserve(self) -> bool:
        """Take the next batch of shared slots into the queue; False when the database did not give them."""
        try:
            first = await self._slots.reserve(self._batch, self._spacing)
        except (OSError, CoordinationError) as exc:
            self._outage.failed(exc, extra={"fallback": "pacing this instance alone"})
            self._alone = True
            return False
        self._outage.succeeded()
        self._alone = False
        self._ready.extend(first + i * self._spacing for i in range(self._batch))
        return True
