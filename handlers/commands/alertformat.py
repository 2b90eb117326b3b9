"""/format: whether this chat's alerts show the whole report or a compact one."""

from __future__ import annotations

from handlers.commands.base import ArgsError, Call, split_args
from handlers.context import Message
from handlers.render.chat import format_line
from storage.models import AlertFormat

# the Ukrainian words are accepted too, since /settings names the formats in the chat's language
FORMAT_WORDS: dict[str, AlertFormat] = {
    "full": AlertFormat.FULL,
    "compact": AlertFormat.COMPACT,
    "повний": AlertFormat.FULL,
    "стислий": AlertFormat.COMPACT,
}


async def cmd_format(call: Call) -> list[Message]:
    """/format full|compact: the alert format of this chat; no argument shows it."""
    words = split_args(call)
    tr, sub = call.tr, call.sub
    if not words:
        current = sub.format if sub is not None else AlertFormat.FULL
        return call.reply(format_line(current, call.locale), tr._("Change it with /format full or /format compact."))
    chosen = FORMAT_WORDS.get(words[0].lower()) if len(words) == 1 else None
    if chosen is None:
        raise ArgsError(tr._("Choose a format: /format full or /format compact."))
    if sub is None or not sub.active:
        return call.reply(tr._("This chat is not subscribed."))
    await call.deps.store.update_subscription(sub.id, format=chosen)
    if chosen == AlertFormat.COMPACT:
        return call.reply(
            tr._("Alerts here are now compact: headline, counts, hits and casualties, report id. /format full shows the whole report again.")
        )
    return call.reply(tr._("Alerts here now show the whole report. /format compact makes them short."))
