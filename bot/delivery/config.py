"""Dispatcher tuning and the optional metrics hook it reports to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from storage.fanout import CHUNK


@dataclass(frozen=True)
class DispatcherConfig:
    """Tuning of the dispatcher; `from_settings` reads the operator's settings."""

    batch_size: int = 500
    concurrency: int = 64
    lease_seconds: float = 60.0
    max_attempts: int = 8
    base_backoff: float = 2.0
    max_backoff: float = 900.0
    poll_interval: float = 1.0
    # chats queued per transaction when a large fan-out is expanded in the background (expansion.py)
    fanout_chunk: int = CHUNK
    # on stop, how long the sends already on the wire may take to be answered and stored
    stop_grace: float = 5.0
    # messages per second per platform; 0 or absent = no global cap
    rates: Mapping[str, float] = field(default_factory=lambda: {"telegram": 30.0, "discord": 40.0})
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Kyiv"))

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> DispatcherConfig:
        """Build from bot.settings.Settings (optional delivery_* fields fall back to defaults)."""
        base = cls()
        values: dict[str, Any] = {
            "concurrency": delivery_concurrency(settings, base.concurrency),
            "max_attempts": getattr(settings, "delivery_max_attempts", base.max_attempts),
            "batch_size": getattr(settings, "delivery_batch_size", base.batch_size),
            "lease_seconds": getattr(settings, "delivery_lease_seconds", base.lease_seconds),
            "base_backoff": getattr(settings, "delivery_base_backoff", base.base_backoff),
            "poll_interval": getattr(settings, "delivery_poll_interval", base.poll_interval),
            "fanout_chunk": getattr(settings, "delivery_fanout_chunk", base.fanout_chunk),
            "rates": {**base.rates, "telegram": telegram_rate(settings)},
            "timezone": ZoneInfo(getattr(settings, "timezone", "Europe/Kyiv")),
        }
        values.update(overrides)
        return cls(**values)


# Telegram's ceiling for paid broadcasts (allow_paid_broadcast), messages per second
PAID_BROADCAST_RATE = 1000.0


def telegram_rate(settings: Any) -> float:
    """The Telegram pace: TELEGRAM_RATE; with paid broadcasts up to 1,000/s (1,000 when unset or 0)."""
    rate = float(getattr(settings, "telegram_rate", 30.0))
    if not getattr(settings, "telegram_paid_broadcast", False):
        return rate
    chosen = "telegram_rate" in getattr(settings, "model_fields_set", ())
    if not chosen or rate <= 0:
        return PAID_BROADCAST_RATE
    return min(rate, PAID_BROADCAST_RATE)


# seconds of a Telegram round trip the paid pace is sized for: a server far from Telegram's data centre
PAID_ROUND_TRIP = 0.25


def delivery_concurrency(settings: Any, default: int) -> int:
    """DELIVERY_CONCURRENCY; with paid broadcasts and none chosen, enough requests on the wire for their pace.

    A pace of R messages/s needs R × round trip requests in flight: 64 slots
    hold 1,000/s only while Telegram answers within 64 ms (541 msg/s against a
    fake answering in 100 ms; 866 with 200 slots), so the paid default is sized
    for a 250 ms round trip.
    """
    chosen = "delivery_concurrency" in getattr(settings, "model_fields_set", ())
    concurrency = int(getattr(settings, "delivery_concurrency", default))
    if chosen or not getattr(settings, "telegram_paid_broadcast", False):
        return concurrency
    return max(concurrency, round(telegram_rate(settings) * PAID_ROUND_TRIP))


class DeliveryObserver(Protocol):
    """What the dispatcher reports (bot.metrics.Metrics implements it)."""

    def delivery(self, platform: str, outcome: str, n: int = 1) -> None:
        """One outbox row finished with `outcome` (sent, retry, deferred, dead, skipped, deactivated, moved)."""

    def send_latency(self, platform: str, seconds: float) -> None:
        """One platform call took `seconds`."""

    def rate_limited(self, platform: str) -> None:
        """The platform answered 429."""
