"""A chat's alerts: /subscribe, /unsubscribe, /settings, /mute, /unmute, /lang."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.commands.base import ArgsError, Call, split_args
from handlers.commands.regions import parse_regions
from handlers.context import Message
from handlers.i18n import SUPPORTED_LOCALES, translator
from handlers.ingest.schema import MAX_COUNT
from handlers.render.chat import filters_lines, language_name, render_settings
from handlers.render.dates import Dates

MUTE_DEFAULT = "8h"
MUTE_MAX = timedelta(days=30)
_DURATION = re.compile(r"^(\d{1,5})\s*(m|min|h|d)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def _min_launched(call: Call, value: str) -> int:
    if value.isdigit() and int(value) <= MAX_COUNT:
        return int(value)
    raise ArgsError(
        call.tr._("min must be a whole number from 0 to {max}, e.g. min=50", max=call.tr.number(MAX_COUNT))
    )


async def cmd_subscribe(call: Call) -> list[Message]:
    """/subscribe [regions…] [min=N]: alerts for this chat (no arguments: everything)."""
    ctx, store = call.ctx, call.deps.store
    words = split_args(call)
    minimum = 0
    names = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep and key.lower() == "min":
            minimum = _min_launched(call, value)
        elif sep:
            # the router adds the usage line
            raise ArgsError(call.tr._("Unknown option “{key}”; the only one is min=N.", key=key))
        else:
            names.append(word)
    regions = parse_regions(call, names)
    sub = await store.subscribe(
        ctx.platform,
        ctx.chat_id,
        ctx.thread_id,
        regions=regions,
        min_launched=minimum,
        created_by=ctx.user.key if ctx.user else None,
        # a chat's language, once chosen with /lang, is kept
        locale=None if call.sub is not None else call.locale,
    )
    tr = call.tr
    return call.reply(
        *filters_lines(sub, call.locale),
        tr._("Change it any time with /subscribe, stop with /unsubscribe."),
        title="✅ " + tr._("Subscribed: this chat will get alerts."),
    )


async def cmd_unsubscribe(call: Call) -> list[Message]:
    """/unsubscribe: no more alerts here."""
    if call.sub is None or not call.sub.active:
        return call.reply(call.tr._("This chat is not subscribed."))
    await call.deps.store.update_subscription(call.sub.id, active=False)
    return call.reply(call.tr._("Unsubscribed: no more alerts in this chat. /subscribe brings them back."))


async def cmd_settings(call: Call) -> list[Message]:
    """/settings: the chat's filters, mute and language."""
    return [render_settings(call.sub, call.locale, call.deps.timezone, call.deps.now())]


def parse_duration(call: Call, text: str) -> timedelta:
    """`30m`, `8h`, `2d` (up to 30 days)."""
    match = _DURATION.match(text.strip())
    if match:
        span = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
        if timedelta(0) < span <= MUTE_MAX:
            return span
    raise ArgsError(call.tr._("Give a duration up to 30 days, e.g. /mute 30m, /mute 8h or /mute 2d."))


async def cmd_mute(call: Call) -> list[Message]:
    """/mute 8h: hold alerts for a while (also 30m, 2d)."""
    words = split_args(call)
    span = parse_duration(call, " ".join(words) or MUTE_DEFAULT)
    if call.sub is None or not call.sub.active:
        return call.reply(call.tr._("This chat is not subscribed."))
    now = call.deps.now()
    until = now + span
    await call.deps.store.update_subscription(call.sub.id, muted_until=until)
    tz = call.deps.timezone
    return call.reply(
        call.tr._(
            "Alerts muted until {moment} ({zone}). /unmute turns them back on.",
            moment=Dates.as_of(call.tr, tz, now).moment(until),
            zone=tz.key,
        )
    )


async def cmd_unmute(call: Call) -> list[Message]:
    """/unmute: alerts again."""
    if call.sub is None or not call.sub.active:
        return call.reply(call.tr._("This chat is not subscribed."))
    await call.deps.store.update_subscription(call.sub.id, muted_until=None)
    return call.reply(call.tr._("Alerts are on again."))


async def cmd_lang(call: Call) -> list[Message]:
    """/lang en|uk: the language of replies and alerts in this chat."""
    words = split_args(call)
    choice = words[0].lower() if len(words) == 1 else ""
    if choice not in SUPPORTED_LOCALES:
        options = ", ".join(f"{code} ({language_name(code, call.locale)})" for code in SUPPORTED_LOCALES)
        return call.reply(call.tr._("Choose a language: /lang en or /lang uk. Available: {options}.", options=options))
    ctx = call.ctx
    await call.deps.store.set_locale(ctx.platform, ctx.chat_id, ctx.thread_id, choice)
    return call.reply(translator(choice)._("Language set: English."))
