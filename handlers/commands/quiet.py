"""/quiet: hours in which alerts still arrive, but without a notification sound."""

from __future__ import annotations

import re

from handlers.commands.base import ArgsError, Call
from handlers.context import Message
from handlers.render.chat import quiet_line, window_text
from storage.models import MINUTES_PER_DAY

OFF_WORDS = frozenset({"off", "none", "no", "вимк", "вимкнути"})
# 23:00-07:00, 23-7, 23.00–07.00, 23:00 - 07:00 (dash, en dash or em dash)
_WINDOW = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?$")


def _minute(call: Call, hour: str, minute: str | None, *, end: bool) -> int:
    h, m = int(hour), int(minute or 0)
    if end and (h, m) == (24, 0):
        return 0  # "until midnight"
    if h < 24 and m < 60:
        return h * 60 + m
    raise _usage(call)


def _usage(call: Call) -> ArgsError:
    return ArgsError(
        call.tr._("Give quiet hours as start-end in 24-hour time, e.g. /quiet 23:00-07:00, or /quiet off.")
    )


def parse_window(call: Call, text: str) -> tuple[int, int]:
    """`23:00-07:00` → (1380, 420): minutes after midnight, the end excluded."""
    match = _WINDOW.match(text.strip())
    if match is None:
        raise _usage(call)
    start = _minute(call, match.group(1), match.group(2), end=False)
    end = _minute(call, match.group(3), match.group(4), end=True)
    if start == end:
        raise ArgsError(call.tr._("Quiet hours need a start and an end that differ."))
    assert 0 <= start < MINUTES_PER_DAY and 0 <= end < MINUTES_PER_DAY
    return start, end


async def cmd_quiet(call: Call) -> list[Message]:
    """/quiet HH:MM-HH:MM | off: alerts in these hours arrive silently; no argument shows the setting."""
    text = call.ctx.args.strip()
    tr, tz, sub = call.tr, call.deps.timezone, call.sub
    if not text:
        current = quiet_line(sub, call.locale, tz) if sub is not None else None
        return call.reply(
            current or tr._("Quiet hours: off."),
            tr._("Set them with /quiet 23:00-07:00 (time in {zone}); /quiet off removes them.", zone=tz.key),
        )
    window = None if text.lower() in OFF_WORDS else parse_window(call, text)
    if sub is None or not sub.active:
        return call.reply(tr._("This chat is not subscribed."))
    updated = await call.deps.store.update_subscription(sub.id, quiet=window)
    if window is None:
        return call.reply(tr._("Quiet hours are off: alerts arrive with sound at any hour."))
    return call.reply(
        tr._(
            "Quiet hours set: {window} ({zone}). Alerts then arrive without sound; /quiet off removes them.",
            window=window_text(updated.quiet or window),
            zone=tz.key,
        )
    )
