"""Rate limiters: per-chat windows, 429 holds, and even global pacing."""

from __future__ import annotations

import asyncio
import time

from bot.delivery.ratelimit import ChatLimiter, GlobalLimiter, telegram_chat_windows


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_private_chat_gets_one_message_per_second() -> None:
    clock = FakeClock()
    chats = ChatLimiter(telegram_chat_windows, clock=clock)
    assert chats.take("42") == 0
    wait = chats.take("42")
    assert 1.0 <= wait <= 1.3  # one second plus a safety margin
    assert chats.take("43") == 0  # other chats are not held up
    clock.now += wait
    assert chats.take("42") == 0


def test_group_gets_at_most_twenty_a_minute() -> None:
    clock = FakeClock()
    chats = ChatLimiter(telegram_chat_windows, clock=clock)
    sent = []
    while clock.now < 1000.0 + 120:
        if chats.take("-100") == 0:
            sent.append(clock.now)
        clock.now += 0.25
    for i, start in enumerate(sent):
        assert len([t for t in sent[i:] if t < start + 60.0]) <= 20
    assert len(sent) >= 38  # and it does not wait longer than it must


def test_retry_after_holds_the_chat_exactly() -> None:
    clock = FakeClock()
    chats = ChatLimiter(telegram_chat_windows, clock=clock)
    chats.hold("7", 5.0)
    assert chats.wait_for("7") == 5.0
    clock.now += 4.9
    assert chats.take("7") > 0
    clock.now += 0.1
    assert chats.take("7") == 0


async def test_global_limiter_spaces_sends_below_the_rate() -> None:
    limiter = GlobalLimiter(50)
    stamps = []
    for _ in range(60):
        await limiter.acquire()
        stamps.append(time.monotonic())
    for i, start in enumerate(stamps):
        assert len([t for t in stamps[i:] if t < start + 1.0]) <= 50


async def test_no_global_cap_at_zero_but_a_pause_still_holds() -> None:
    limiter = GlobalLimiter(0)
    started = time.monotonic()
    for _ in range(1000):
        await limiter.acquire()
    assert time.monotonic() - started < 0.5
    limiter.pause(0.2)
    assert limiter.paused_for() > 0.1
    await limiter.acquire()
    assert time.monotonic() - started >= 0.2


async def test_a_busy_event_loop_does_not_lower_the_rate() -> None:
    """Slots a late wake-up missed go together in the loop's next turn, still within the sliding second.

    Handing out one slot per turn of the loop would cap this at 1 / 3 ms = 333/s.
    """
    limiter = GlobalLimiter(1000)
    stamps: list[float] = []
    done = asyncio.Event()

    async def busy() -> None:
        while not done.is_set():
            time.sleep(0.003)  # every turn of the loop takes three slots' time
            await asyncio.sleep(0)

    async def send() -> None:
        await limiter.acquire()
        stamps.append(time.monotonic())

    hog = asyncio.create_task(busy())
    await asyncio.gather(*(send() for _ in range(1200)))
    done.set()
    await hog
    # 60 %: room for a loaded machine's scheduling, still far above one send per turn
    assert (len(stamps) - 1) / (stamps[-1] - stamps[0]) >= 0.6 * 1000 / 1.035
    for i, start in enumerate(stamps):
        assert len([t for t in stamps[i:i + 1001] if t < start + 1.0]) <= 1000
