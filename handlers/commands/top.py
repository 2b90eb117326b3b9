"""/top: the largest attacks of a window, so that /summary ID opens one."""

from __future__ import annotations

from datetime import timedelta

from handlers.commands.base import ArgsError, Call, split_args
from handlers.commands.general import one_region, region_title
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
    window = TOP_DEFAULT
    if words and words[0].lower() in TOP_WINDOWS:
        window = words.pop(0).lower()
    elif words and words[0][:1].isdigit():
        raise ArgsError(
            call.tr._("Unknown period “{word}”. Use one of: {choices}.", word=words[0], choices=", ".join(TOP_WINDOWS))
        )
    region = one_region(call, words)
    now = call.deps.now()
    span = TOP_WINDOWS[window]
    summaries = await call.deps.store.largest(
        TOP_SIZE, since=None if span is None else now - span, until=None if span is None else now, region=region
    )
    return [render_top(summaries, window, call.locale, call.deps.timezone, region_title(call, region))]
