"""Shared pieces of the delivery tests: a scriptable in-memory transport, renderers, summaries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.base import Outcome, SendResult, Target
from handlers.context import Message
from storage.models import StrikeSummary, SummaryDraft, WeaponTally
from storage.protocol import Store


def draft(external_id: str = "night-1", launched: int = 100, regions: tuple[str, ...] = ()) -> SummaryDraft:
    """A small summary draft with `launched` drones."""
    return SummaryDraft(
        external_id=external_id,
        period_start=datetime(2025, 7, 3, 18, tzinfo=UTC),
        period_end=datetime(2025, 7, 4, 6, tzinfo=UTC),
        regions=regions,
        weapons=(WeaponTally(model="Shahed-136/131", category="drone", launched=launched, destroyed=1),),
    )


@dataclass
class Renders:
    """Counts how often each renderer ran (rendering must happen once per content, not per chat)."""

    calls: list[tuple[str, int, int, str]] = field(default_factory=list)

    def alert(self, summary: StrikeSummary, locale: str, tz: ZoneInfo, *, now: datetime | None = None) -> Message:
        self.calls.append(("alert", summary.id, summary.revision, locale))
        return Message(title=f"{locale}: {summary.launched} launched (rev {summary.revision})")

    def retracted(self, summary: StrikeSummary, locale: str, tz: ZoneInfo) -> Message:
        self.calls.append(("retracted", summary.id, summary.revision, locale))
        return Message(title=f"{locale}: withdrawn")

    def compact(self, summary: StrikeSummary, locale: str, tz: ZoneInfo) -> Message:
        self.calls.append(("compact", summary.id, summary.revision, locale))
        return Message(title=f"{locale}: {summary.launched} (rev {summary.revision}, compact)")

    def compact_retracted(self, summary: StrikeSummary, locale: str, tz: ZoneInfo) -> Message:
        self.calls.append(("compact retracted", summary.id, summary.revision, locale))
        return Message(title=f"{locale}: withdrawn (compact)")

    def broadcast(self, text: str, locale: str) -> Message:
        self.calls.append(("broadcast", 0, 0, locale))
        return Message(title=text)

    def renderers(self) -> Renderers:
        return Renderers(
            alert=self.alert,
            retracted=self.retracted,
            broadcast=self.broadcast,
            compact=self.compact,
            compact_retracted=self.compact_retracted,
        )


@dataclass
class Request:
    """One call the platform saw."""

    kind: str  # send | edit
    chat_id: str
    text: str
    at: float
    message_id: str | None = None
    reply_to: str | None = None
    # sent without a notification sound (quiet hours)
    silent: bool = False


Script = Callable[[Request], SendResult | None]


class MemoryTransport:
    """A platform in memory: records calls; `script` may answer a call with a failure."""

    platform = "telegram"

    def __init__(self, script: Script | None = None, latency: float = 0.0) -> None:
        self.script = script
        self.latency = latency
        self.requests: list[Request] = []
        self.messages: dict[tuple[str, str], str] = {}
        self._next = 0

    def render(self, message: Message) -> str:
        return message.title

    async def send(self, target: Target, rendered: Any, *, reply_to: str | None = None) -> SendResult:
        req = Request("send", target.chat_id, rendered, time.monotonic(), reply_to=reply_to, silent=target.silent)
        self.requests.append(req)
        if self.latency:
            await asyncio.sleep(self.latency)
        scripted = self.script(req) if self.script else None
        if scripted is not None:
            return scripted
        self._next += 1
        req.message_id = str(self._next)
        self.messages[(target.chat_id, req.message_id)] = rendered
        return SendResult(Outcome.OK, message_id=req.message_id)

    async def edit(self, target: Target, message_id: str, rendered: Any) -> SendResult:
        req = Request("edit", target.chat_id, rendered, time.monotonic(), message_id=message_id)
        self.requests.append(req)
        scripted = self.script(req) if self.script else None
        if scripted is not None:
            return scripted
        self.messages[(target.chat_id, message_id)] = rendered
        return SendResult(Outcome.OK, message_id=message_id)

    def sent(self, chat_id: str | None = None) -> list[Request]:
        """Sends that reached the chat (got a message id)."""
        return [r for r in self.requests if r.kind == "send" and r.message_id
                and (chat_id is None or r.chat_id == chat_id)]

    def edits(self, chat_id: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.kind == "edit" and (chat_id is None or r.chat_id == chat_id)]


FAST = DispatcherConfig(
    batch_size=100, concurrency=8, lease_seconds=30, max_attempts=3, base_backoff=0.05,
    poll_interval=0.05, rates={}, timezone=ZoneInfo("Europe/Kyiv"),
)


def no_limits(chat_id: str) -> tuple[()]:
    return ()


def dispatcher(store: Store, transport: Any, renders: Renders, config: DispatcherConfig = FAST,
               *, chat_limits: bool = False, wakeup: asyncio.Event | None = None,
               on_claim: Callable[[], None] | None = None) -> Dispatcher:
    """A dispatcher over one transport; per-chat limits off unless asked for."""
    policies = None if chat_limits else {transport.platform: no_limits}
    return Dispatcher(store, {transport.platform: transport}, renders.renderers(), config,
                      chat_policies=policies, wakeup=wakeup, on_claim=on_claim)


async def drain(d: Dispatcher, store: Store, timeout: float = 10.0) -> None:
    """Run passes until nothing is pending (deferred and backed-off rows included)."""
    deadline = time.monotonic() + timeout
    while True:
        handled = await d.run_once()
        stats = await store.queue_stats(now=datetime.now(UTC))
        if stats.pending == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox not drained: {stats}")
        if not handled:
            await asyncio.sleep(0.02)
