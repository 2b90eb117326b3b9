"""Rendering for the dispatcher: neutral Message once per (content, platform, locale, format), payload reused."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.transports.base import Transport
from handlers.context import Message
from storage.models import AlertFormat, StrikeSummary

SummaryRenderer = Callable[[StrikeSummary, str, ZoneInfo], Message]
BroadcastRenderer = Callable[[str, str], Message]


class DatedRenderer(Protocol):
    """The full alert's renderer: its dates carry the year when it is not the year of `now`."""

    def __call__(self, summary: StrikeSummary, locale: str, tz: ZoneInfo, *, now: datetime | None = None) -> Message:
        """The alert for `summary` as read at `now`."""


@dataclass(frozen=True)
class Renderers:
    """The handlers' render functions the dispatcher calls (handlers/render.py in the app)."""

    alert: DatedRenderer
    retracted: SummaryRenderer
    broadcast: BroadcastRenderer
    # /format compact; None falls back to the full renderers
    compact: SummaryRenderer | None = None
    compact_retracted: SummaryRenderer | None = None

    def render_alert(self, fmt: AlertFormat, summary: StrikeSummary, locale: str, tz: ZoneInfo, now: datetime) -> Message:
        """The alert in a chat's format, read at `now` (an old report's dates carry their year)."""
        if fmt == AlertFormat.COMPACT and self.compact is not None:
            return self.compact(summary, locale, tz)
        return self.alert(summary, locale, tz, now=now)

    def for_retracted(self, fmt: AlertFormat) -> SummaryRenderer:
        """The withdrawn-alert renderer of a chat's format."""
        if fmt == AlertFormat.COMPACT and self.compact_retracted is not None:
            return self.compact_retracted
        return self.retracted

    @classmethod
    def from_handlers(cls) -> Renderers:
        """The real renderers from handlers.render (imported late: layers point down), their locale data loaded."""
        from handlers import render
        from handlers.i18n import preload

        preload()

        return cls(
            alert=render.render_alert,
            retracted=render.render_retracted,
            broadcast=render.render_broadcast,
            compact=render.render_compact,
            compact_retracted=render.render_compact_retracted,
        )


class RenderCache:
    """Platform payloads by key; a fan-out to 10,000 chats renders a handful of times."""

    def __init__(self, size: int = 256) -> None:
        """Keep at most `size` payloads (oldest used dropped first)."""
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self.misses = 0

    def get(self, key: Hashable, transport: Transport, build: Callable[[], Message]) -> Any:
        """The payload for `key`, rendering through `build` and `transport.render` on a miss."""
        try:
            value = self._items[key]
        except KeyError:
            self.misses += 1
            value = transport.render(build())
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return value
