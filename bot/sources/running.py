"""The source watcher inside `strikebot run`: built from the settings, run as one task."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from contextlib import AsyncExitStack

from bot.metrics import Metrics
from bot.settings import Settings
from bot.sources.desk import ReportDesk
from bot.sources.poller import PollerConfig, SourcePoller
from bot.transports.base import Transport
from handlers.context import HandlerDeps


async def start_sources(
    stack: AsyncExitStack,
    settings: Settings,
    deps: HandlerDeps,
    transports: Mapping[str, Transport],
    metrics: Metrics,
) -> asyncio.Task[None] | None:
    """Start polling STRIKEBOT_SOURCES; None when no source is set. The caller cancels the task."""
    if not settings.sources:
        return None
    desk = ReportDesk(
        deps,
        transports,
        settings.admins,
        mode=settings.sources_mode,
        count_ingest=functools.partial(metrics.ingested, "source"),
    )
    # previews wait in the database: a button pressed after a restart still finds its draft
    deps.shared_drafts = desk
    poller = SourcePoller(
        deps.store, settings.sources, desk, config=PollerConfig(interval=settings.sources_interval), metrics=metrics
    )
    await stack.enter_async_context(poller)
    await desk.show_again_on_console()
    return asyncio.create_task(poller.run(), name="sources")
