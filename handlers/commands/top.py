"""/top: the largest attacks of a window, so that /summary ID opens one."""

from __future__ import annotations

from datetime import timedelta

from handlers.commands.base import Call, split_args, take_window
from handlers.commands.empty_window import point_to_latest
from handlers.commands.general import region_title
from handlers.commands.regions import one_region
from handlers.context import Message
from handlers.render.top import render_top

TOP_SIZE = 10
TOP_DEFAULT = "all"
TOP_WINDOWS: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
    "all": None,
}


async def cmd_top(call: Call) -> list[Message]:
    """/top [7d|30d|90d|365d|all] [region]: the ten largest attacks (default: all time)."""
    words = split_args(call)
    window = take_window(call, words, TOP_WINDOWS, TOP_DEFAULT)
    region = one_region(call, words)
    now = call.deps.now()
    span = TOP_WINDOWS[window]
    summaries = await call.deps.store.largest(
        TOP_SIZE, since=None if span is None else now - span, until=None if span is None else now, region=region
    )
    msg = render_top(summaries, window, call.locale, call.deps.timezone, region_title(call, region))
    if not summaries:
        starts = {key: None if length is None else now - length for key, length in TOP_WINDOWS.items()}
        await point_to_latest(call, msg, "top", starts, region)
    return [msg]
