"""The bot's housekeeping loops: pruning the outbox and keeping its figures counted."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.outage import OutageLog
from storage import Store
from storage.figures import REFRESH_EVERY

log = logging.getLogger(__name__)


async def prune_outbox(
    store: Store, days: int, every: float = 60.0, clock: Callable[[], float] = time.monotonic
) -> None:
    """Delete finished outbox rows older than `days` and merge the send tallies, now and then every minute."""
    # every minute, not every hour: each batch of results adds a tally row, and the
    # merge keeps the rows /status sums for "sent in 24 h" to about one a minute
    outage = OutageLog(log, "pruning the outbox", clock=clock)
    while True:
        try:
            pruned = await store.prune_deliveries(before=datetime.now(UTC) - timedelta(days=days))
        except Exception as exc:  # housekeeping must never stop the bot
            outage.failed(exc)
        else:
            outage.succeeded()
            if pruned:
                log.info("outbox pruned", extra={"rows": pruned, "older_than_days": days})
        await asyncio.sleep(every)


async def keep_figures(store: Store, every: float = REFRESH_EVERY, clock: Callable[[], float] = time.monotonic) -> None:
    """Count the outbox figures every `every` s, so /status and /metrics read them when counting is slow."""
    outage = OutageLog(log, "counting the outbox figures", clock=clock)
    while True:
        try:
            await store.refresh_outbox_figures(now=datetime.now(UTC))
        except Exception as exc:  # a status figure must never stop the bot
            outage.failed(exc)
        else:
            outage.succeeded()
        await asyncio.sleep(every)
