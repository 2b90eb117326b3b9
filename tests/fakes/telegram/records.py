"""What the fake Bot API saw: recorded calls, counters, and async waits for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.fakes.telegram.model import Call, FakeChat

T = TypeVar("T")

# how long the waits below give something that will happen: only a bound for a stuck test, so a
# busy machine makes a test slower, not red (it was 5 s); a test about speed measures it itself
PATIENCE = 30.0

SEND_METHODS = frozenset({"sendMessage", "sendPhoto"})
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})


def _chat_key(chat_id: FakeChat | int | str | None) -> str | None:
    if chat_id is None:
        return None
    return str(chat_id.id if isinstance(chat_id, FakeChat) else chat_id)


class Recorder:
    """Keeps every call (unless `record=False`) and cheap counters for benchmarks."""

    def __init__(self, *, record: bool = True) -> None:
        """Start empty."""
        self.record = record
        self.records: list[Call] = []
        self._reset_counters()

    def _reset_counters(self) -> None:
        self.counts: dict[str, int] = {}
        self.ok_counts: dict[str, int] = {}
        self.first_send: float | None = None  # monotonic, first successful sendMessage
        self.last_send: float | None = None
        self.first_send_wall: float | None = None
        self.last_send_wall: float | None = None
        self.injected_429 = 0
        self.throttled_429 = 0  # 429s the fake's own limit enforcement answered

    def _arrived(self, call: Call) -> None:
        """Keep a call as it arrives; its outcome is filled in when answered."""
        if self.record:
            self.records.append(call)

    def _note(self, call: Call) -> None:
        """Count a finished call."""
        method = call.method
        self.counts[method] = self.counts.get(method, 0) + 1
        if call.ok:
            self.ok_counts[method] = self.ok_counts.get(method, 0) + 1
            if method == "sendMessage":
                if self.first_send is None:
                    self.first_send, self.first_send_wall = call.mono, call.wall
                self.last_send, self.last_send_wall = call.mono, call.wall
        elif call.http_status == 429:
            if call.throttled:
                self.throttled_429 += 1
            else:
                self.injected_429 += 1

    def reset_records(self) -> None:
        """Forget every recorded call and counter."""
        self.records = []
        self._reset_counters()

    def calls(self, method: str | None = None, chat_id: FakeChat | int | str | None = None,
              *, ok: bool | None = None) -> list[Call]:
        """Recorded calls, optionally of one method, to one chat, by outcome."""
        key = _chat_key(chat_id)
        return [
            c for c in self.records
            if (method is None or c.method == method)
            and (key is None or str(c.chat_id) == key)
            and (ok is None or c.ok == ok)
        ]

    def sent(self, chat_id: FakeChat | int | str | None = None) -> list[Call]:
        """Successful sendMessage / sendPhoto calls, in arrival order."""
        key = _chat_key(chat_id)
        return [c for c in self.records if c.ok and c.method in SEND_METHODS
                and (key is None or str(c.chat_id) == key)]

    def edits(self, chat_id: FakeChat | int | str | None = None) -> list[Call]:
        """Successful editMessageText / Caption / ReplyMarkup calls, in arrival order."""
        key = _chat_key(chat_id)
        return [c for c in self.records if c.ok and c.method in EDIT_METHODS
                and (key is None or str(c.chat_id) == key)]

    def sent_texts(self, chat_id: FakeChat | int | str | None = None) -> list[str]:
        """Texts / captions of successful sends, in order."""
        return [c.text or "" for c in self.sent(chat_id)]

    async def wait_for(self, predicate: Callable[[], T], timeout: float = PATIENCE,
                       *, interval: float = 0.01) -> T:
        """Poll `predicate` until it returns something truthy; return it, or fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s; {self.describe()}")
            await asyncio.sleep(interval)

    async def wait_sent(self, n: int = 1, timeout: float = PATIENCE, *,
                        chat_id: FakeChat | int | str | None = None) -> list[Call]:
        """Wait until at least `n` successful sends (to `chat_id`) are recorded; return them all."""
        return await self.wait_for(lambda: s if len(s := self.sent(chat_id)) >= n else [],
                                   timeout)

    async def wait_edits(self, n: int = 1, timeout: float = PATIENCE, *,
                         chat_id: FakeChat | int | str | None = None) -> list[Call]:
        """Wait until at least `n` successful edits (in `chat_id`) are recorded; return them all."""
        return await self.wait_for(lambda: s if len(s := self.edits(chat_id)) >= n else [],
                                   timeout)

    async def wait_call(self, method: str, n: int = 1, timeout: float = PATIENCE) -> list[Call]:
        """Wait until `method` was called at least `n` times (any outcome)."""
        return await self.wait_for(lambda: s if len(s := self.calls(method)) >= n else [],
                                   timeout)

    def stats(self) -> dict[str, Any]:
        """Counters as JSON (also served at GET /_fake/stats)."""
        span = None
        if self.first_send is not None and self.last_send is not None:
            span = self.last_send - self.first_send
        return {
            "calls": dict(self.counts),
            "ok": dict(self.ok_counts),
            "send_message": self.ok_counts.get("sendMessage", 0),
            "first_send_message_wall": self.first_send_wall,
            "last_send_message_wall": self.last_send_wall,
            # CLOCK_MONOTONIC is shared by processes on one Linux host: comparable across them
            "first_send_message_mono": self.first_send,
            "last_send_message_mono": self.last_send,
            "send_message_span_s": span,
            "send_message_per_s": (self.ok_counts.get("sendMessage", 0) - 1) / span
            if span else None,
            "injected_429": self.injected_429,
            "throttled_429": self.throttled_429,
            "total_429": self.injected_429 + self.throttled_429,
        }

    def send_times(self) -> list[float]:
        """Arrival wall times of the recorded successful sendMessage calls, in order (benchmarks' timelines)."""
        return [c.wall for c in self.sent() if c.method == "sendMessage"]

    def describe(self) -> str:
        """A short summary of recorded calls, for failure messages."""
        tail = ", ".join(
            f"{c.method}({c.chat_id})->{'ok' if c.ok else c.http_status}" for c in self.records[-8:]
        )
        return f"counts={self.counts}; last calls: [{tail}]"
