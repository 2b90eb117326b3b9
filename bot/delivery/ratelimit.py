"""Rate limits the dispatcher honours so that platforms never have to answer 429.

Why our own limiter and not python-telegram-bot's AIORateLimiter: the
dispatcher has to defer a row whose chat is busy (and let other chats go
first) instead of parking a worker on it, it has to know when a chat may be
tried again to write that into the outbox, and the guarantees ("never more
than N in any sliding second", "1/s per private chat") must hold for every
platform and be measurable. AIORateLimiter only delays calls inside the
library and knows nothing of the outbox, so the transports run without it.

Windows are sliding logs of send times on the monotonic clock. A margin is
added to every window because the platform counts arrivals, not our
decisions: a request sent a few milliseconds late must not land inside the
previous window.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

Clock = Callable[[], float]

# extra seconds on every window so network jitter cannot squeeze N+1 arrivals into one
DEFAULT_MARGIN = 0.035
# per-chat windows are short of events, so a wider margin costs nothing at scale and
# absorbs event-loop lateness when a busy process sends a chat's first message late
CHAT_MARGIN = 0.25


@dataclass(frozen=True)
class Window:
    """At most `limit` events in any `seconds` long window."""

    limit: int
    seconds: float


class SlidingLog:
    """The send times of one key, enough to answer "when may the next one go"."""

    __slots__ = ("_span", "_stamps", "_windows")

    def __init__(self, windows: Sequence[Window]) -> None:
        """Track several windows at once (e.g. 1 per second and 20 per minute)."""
        self._windows = tuple(windows)
        self._span = max((w.seconds for w in self._windows), default=0.0)
        # a list, not a deque: a chat keeps a stamp or a few (20 at most, a group's minute) and an
        # empty deque alone takes 600 bytes; a fan-out's 100,000 chats are all kept for two minutes
        self._stamps: list[float] = []

    def ready_at(self, now: float) -> float:
        """The earliest time (>= now) a new event keeps every window within its limit."""
        stamps = self._stamps
        # stamps are recorded in order: those that left the longest window are a prefix
        gone = bisect_right(stamps, now - self._span)
        if gone:
            del stamps[:gone]
        ready = now
        count = len(stamps)
        for window in self._windows:
            if window.limit <= 0:
                continue
            if count >= window.limit:
                # the event that must leave the window before a new one fits
                ready = max(ready, stamps[count - window.limit] + window.seconds)
        return ready

    def record(self, at: float) -> None:
        """Count one event at `at` (not earlier than the last one)."""
        self._stamps.append(at)

    @property
    def last(self) -> float | None:
        """The newest recorded event, if any."""
        return self._stamps[-1] if self._stamps else None


class GlobalLimiter:
    """One platform's overall rate: callers queue and go evenly spaced, urgent ones (replies) first.

    Even spacing (not bursts of N followed by a pause) keeps any sliding second
    at N or fewer even when a few requests arrive late, and spreads the load the
    way Telegram asks bots to. One pacer task hands out the slots: when a busy
    event loop wakes it late, every slot due by then goes in that one turn of the
    loop, so the rate holds at 1,000/s even when a turn takes longer than a slot.
    """

    def __init__(
        self, rate: float, *, margin: float = DEFAULT_MARGIN, clock: Clock = time.monotonic
    ) -> None:
        """`rate` messages per second, 0 for no cap (a 429 pause still applies)."""
        self.rate = rate
        self._clock = clock
        self._paused_until = 0.0
        self._next_free = 0.0
        # N sends are spread over one second plus the margin: N+1 never fit in a second
        self._interval = (1.0 + margin) / rate if rate >= 1 else (1.0 / rate + margin if rate > 0 else 0.0)
        # a slot missed by a late wake-up may still go this long after its time: a quarter
        # of the margin; the rest absorbs the jitter between our send and the platform's
        # arrival (a bot at full CPU saw more than 17 ms of it: with half the margin here,
        # 13 of 10,000 paid sends got a 429), so a sliding second of arrivals holds at most N
        self._catch_up = margin / 4
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()
        self._pacer: asyncio.Task[None] | None = None

    def pause(self, seconds: float) -> None:
        """The platform asked every chat to wait (a global 429)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def paused_for(self) -> float:
        """Seconds left of a global pause, 0 when none."""
        return max(0.0, self._paused_until - self._clock())

    def open_now(self) -> bool:
        """No cap and no pause: `acquire` would return at once."""
        return self._interval == 0.0 and self._paused_until <= self._clock()

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for the next slot and take it; `urgent` callers are served before the others waiting."""
        if self.open_now():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._normal).append(waiter)
        if self._pacer is None or self._pacer.done():
            self._pacer = asyncio.create_task(self._pace(), name="rate-pacer")
        try:
            await waiter
        except asyncio.CancelledError:
            # the last one waiting gave up: nothing left for the pacer to hand out
            if self._first_waiting() is None and self._pacer is not None:
                self._pacer.cancel()
                self._pacer = None
            raise

    async def _pace(self) -> None:
        while (waiter := self._first_waiting()) is not None:
            now = self._clock()
            slot = max(self._next_free, self._paused_until, now - self._catch_up)
            if slot > now:
                await asyncio.sleep(slot - now)
                continue
            (self._urgent if self._urgent and self._urgent[0] is waiter else self._normal).popleft()
            waiter.set_result(None)
            # spaced from the slot, not from this wake-up: lateness does not lower the rate
            self._next_free = slot + self._interval

    def _first_waiting(self) -> asyncio.Future[None] | None:
        """The next caller to serve, urgent first; callers that gave up are dropped."""
        for waiters in (self._urgent, self._normal):
            while waiters and waiters[0].done():
                waiters.popleft()
            if waiters:
                return waiters[0]
        return None


ChatPolicy = Callable[[str], Sequence[Window]]


def telegram_chat_windows(chat_id: str, *, margin: float = CHAT_MARGIN) -> Sequence[Window]:
    """Telegram: 1/s in a private chat; groups and channels (negative ids) also 20/min."""
    return _telegram_windows(chat_id.startswith("-"), margin)


@lru_cache(maxsize=16)
def _telegram_windows(group: bool, margin: float) -> tuple[Window, ...]:
    # one tuple per kind of chat, not two new objects for every chat of a fan-out
    second = Window(1, 1.0 + margin)
    return (second, Window(20, 60.0 + margin)) if group else (second,)


def discord_chat_windows(chat_id: str, *, margin: float = CHAT_MARGIN) -> Sequence[Window]:
    """Discord: 5 messages per 5 s per channel (discord.py also keeps its own buckets)."""
    return _discord_windows(margin)


@lru_cache(maxsize=16)
def _discord_windows(margin: float) -> tuple[Window, ...]:
    return (Window(5, 5.0 + margin),)


def no_chat_windows(chat_id: str) -> Sequence[Window]:
    """No per-chat limit (console)."""
    return ()


def default_chat_policy(platform: str) -> ChatPolicy:
    """The per-chat windows of a platform."""
    if platform == "telegram":
        return telegram_chat_windows
    if platform == "discord":
        return discord_chat_windows
    return no_chat_windows


class ChatLimiter:
    """Per-chat windows and 429 holds; never waits itself: it says how long to defer."""

    def __init__(self, policy: ChatPolicy, *, clock: Clock = time.monotonic) -> None:
        """Windows per chat come from `policy(chat_id)`."""
        self._policy = policy
        self._clock = clock
        self._logs: dict[str, SlidingLog] = {}
        self._held: dict[str, float] = {}
        self._last_sweep = clock()

    def wait_for(self, chat_id: str) -> float:
        """Seconds until this chat may receive the next message (0 = now)."""
        return self._wait(chat_id, self._clock())

    def _wait(self, chat_id: str, now: float) -> float:
        ready = self._held.get(chat_id, 0.0)
        log = self._logs.get(chat_id)
        if log is not None:
            ready = max(ready, log.ready_at(now))
        return max(0.0, ready - now)

    def take(self, chat_id: str) -> float:
        """Count a message to this chat now if allowed (returns 0), else seconds to wait."""
        now = self._clock()
        wait = self._wait(chat_id, now)
        if wait > 0:
            return wait
        self._record(chat_id, now)
        return 0.0

    def hold(self, chat_id: str, seconds: float) -> None:
        """The platform said this chat must wait (a 429 with retry_after)."""
        self._held[chat_id] = max(self._held.get(chat_id, 0.0), self._clock() + seconds)

    def held_for(self, chat_id: str) -> float:
        """Seconds left of the platform's hold on this chat (0 = none), whatever our own windows say."""
        return max(0.0, self._held.get(chat_id, 0.0) - self._clock())

    def note(self, chat_id: str) -> None:
        """Count a message sent to this chat without asking first (a reply: a person is waiting)."""
        self._record(chat_id, self._clock())

    def _record(self, chat_id: str, now: float) -> None:
        log = self._logs.get(chat_id)
        if log is None:
            log = self._logs[chat_id] = SlidingLog(self._policy(chat_id))
        log.record(now)
        self._sweep(now)

    def _sweep(self, now: float) -> None:
        # forget idle chats now and then so 100k subscribers do not pin memory forever
        if now - self._last_sweep < 120.0:
            return
        self._last_sweep = now
        for key in [k for k, log in self._logs.items() if (log.last or 0.0) < now - 120.0]:
            del self._logs[key]
        for key in [k for k, until in self._held.items() if until < now]:
            del self._held[key]


@dataclass(frozen=True)
class PlatformLimits:
    """One platform's budget, shared by the alerts the dispatcher sends and the replies to commands."""

    overall: GlobalLimiter
    chats: ChatLimiter


def platform_limits(
    rates: Mapping[str, float],
    platforms: Iterable[str],
    *,
    chat_policies: Mapping[str, ChatPolicy] | None = None,
    clock: Clock = time.monotonic,
) -> dict[str, PlatformLimits]:
    """The limits of each platform: `rates` messages/s overall (0 or absent: no cap), per-chat windows by platform."""
    policies = dict(chat_policies or {})
    return {
        p: PlatformLimits(
            GlobalLimiter(rates.get(p, 0.0), clock=clock),
            ChatLimiter(policies.get(p) or default_chat_policy(p), clock=clock),
        )
        for p in platforms
    }
