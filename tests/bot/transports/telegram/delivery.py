"""What the Telegram delivery tests share: a dispatcher configuration, a summary, a rate measure."""

from __future__ import annotations

import bisect
from typing import Any

from bot.delivery import DispatcherConfig

CONFIG = DispatcherConfig(
    batch_size=200, concurrency=16, lease_seconds=30, max_attempts=4, base_backoff=0.1,
    poll_interval=0.1, rates={"telegram": 30.0},
)


def payload(launched: int = 120, external_id: str = "kpszsu/night-1") -> dict[str, Any]:
    """A summary as a feed posts it."""
    return {
        "external_id": external_id,
        "source": "Ukrainian Air Force",
        "period_start": "2025-07-03T18:00:00+03:00",
        "period_end": "2025-07-04T06:00:00+03:00",
        "regions": ["Kyiv"],
        "weapons": [{"model": "Shahed-136/131", "launched": launched, "destroyed": 50, "suppressed": 20}],
    }


def max_in_window(stamps: list[float], seconds: float) -> int:
    """The most events inside any window of `seconds` (closed at both ends)."""
    stamps = sorted(stamps)
    return max((bisect.bisect_right(stamps, t + seconds) - i for i, t in enumerate(stamps)), default=0)
