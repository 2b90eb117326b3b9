"""The /settings and /status replies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Message
from handlers.i18n import N_, translator
from handlers.render.common import region_names
from handlers.render.dates import Dates
from storage.models import AlertFormat, Subscription
from storage.outbox import QueueStats
from storage.sources import SourceState

# in the reader's language and its usual case (Ukrainian writes language names in lower case)
LANGUAGE_NAMES = {"en": N_("English"), "uk": N_("Ukrainian")}


def language_name(code: str, locale: str) -> str:
    """A supported language's name in `locale` (unknown codes shown as they are)."""
    return translator(locale)._(LANGUAGE_NAMES[code]) if code in LANGUAGE_NAMES else code


def filters_lines(sub: Subscription, locale: str) -> list[str]:
    """What reaches the chat: regions and threshold."""
    tr = translator(locale)
    regions = (
        ", ".join(region_names(sub.regions, tr.locale)) if sub.regions else tr._("all of Ukraine")
    )
    threshold = (
        tr._("at least {n} launched", n=tr.number(sub.min_launched))
        if sub.min_launched
        else tr._("every attack")
    )
    return [tr._("Regions: {regions}", regions=regions), tr._("Threshold: {threshold}", threshold=threshold)]


def window_text(window: tuple[int, int]) -> str:
    """(1380, 420) → `23:00–07:00` (24-hour clock in every locale)."""
    return "–".join(f"{m // 60:02d}:{m % 60:02d}" for m in window)


def quiet_line(sub: Subscription, locale: str, tz: ZoneInfo) -> str | None:
    """The chat's quiet hours as one line, or None when it has none."""
    if sub.quiet is None:
        return None
    tr = translator(locale)
    return tr._(
        "Quiet hours: {window} ({zone}); alerts then arrive without sound.",
        window=window_text(sub.quiet),
        zone=tz.key,
    )


FORMAT_NAMES = {
    AlertFormat.FULL: N_("full (the whole report)"),
    AlertFormat.COMPACT: N_("compact (headline, counts and report id)"),
}


def format_line(fmt: AlertFormat, locale: str) -> str:
    """`Alert format: compact (headline, counts and report id)`."""
    tr = translator(locale)
    return tr._("Alert format: {format}", format=tr._(FORMAT_NAMES[fmt]))


def render_settings(
    sub: Subscription | None, locale: str, tz: ZoneInfo, now: datetime
) -> Message:
    """The chat's subscription, filters, mute and language."""
    tr = translator(locale)
    msg = Message(title=tr._("Settings of this chat"))
    if sub is None or not sub.active:
        msg.lines.append(tr._("Alerts: off. Turn them on with /subscribe."))
    else:
        # one state line: a muted chat is not also told its alerts are on
        if sub.muted_until is not None and sub.muted_until > now:
            msg.lines.append(
                tr._(
                    "Alerts: muted until {moment}, {zone} time. /unmute turns them back on.",
                    moment=Dates.as_of(tr, tz, now).moment(sub.muted_until),
                    zone=tz.key,
                )
            )
        else:
            msg.lines.append(tr._("Alerts: on."))
        msg.lines.extend(filters_lines(sub, locale))
        quiet = quiet_line(sub, locale, tz)
        if quiet is not None:
            msg.lines.append(quiet)
        msg.lines.append(format_line(sub.format, locale))
    msg.lines.append(tr._("Language: {language}", language=language_name(locale, locale)))
    return msg


def render_status(
    counts: dict[str, int],
    queue: QueueStats,
    locale: str,
    *,
    sources: list[SourceState] | None = None,
    tz: ZoneInfo | None = None,
    now: datetime | None = None,
    counted_at: datetime | None = None,
) -> Message:
    """Subscriptions by platform, the health of the delivery queue and each followed source.

    `counted_at`: when the counts were taken; shown when they are a second old or more.
    """
    tr = translator(locale)
    msg = Message(title=tr._("Bot status"))
    total = sum(counts.values())
    by_platform = ", ".join(f"{p} {tr.number(n)}" for p, n in sorted(counts.items()))
    msg.fields.append(
        (tr._("Subscriptions"), f"{tr.number(total)}" + (f" ({by_platform})" if by_platform else ""))
    )
    msg.fields.append(
        (
            tr._("Queue"),
            tr._(
                "{pending} pending, {due} due, {in_flight} in flight",
                pending=tr.number(queue.pending),
                due=tr.number(queue.due),
                in_flight=tr.number(queue.in_flight),
            ),
        )
    )
    if queue.due:
        msg.fields.append(
            (tr._("Oldest due"), tr._("{seconds} s ago", seconds=tr.number(round(queue.oldest_due_age_seconds))))
        )
    msg.fields.append((tr._("Sent in the last 24 hours"), tr.number(queue.sent_24h)))
    msg.fields.append((tr._("Dead deliveries"), tr.number(queue.dead)))
    msg.fields.append((tr._("Last error"), queue.last_error or tr._("none")))
    if counted_at is not None and now is not None and (age := (now - counted_at).total_seconds()) >= 1:
        msg.fields.append((tr._("Counted"), tr._("{seconds} s ago", seconds=tr.number(round(age)))))
    for source in sources or []:
        msg.fields.append((source.url, source_line(source, locale, tz or ZoneInfo("UTC"), now)))
    return msg


def source_line(source: SourceState, locale: str, tz: ZoneInfo, now: datetime | None = None) -> str:
    """One followed source for /status: how its last poll went, its last success and error, posts seen."""
    tr = translator(locale)

    def when(moment: datetime) -> str:
        return tr.moment(moment, tz, year=now is not None and moment.astimezone(tz).year != now.astimezone(tz).year)

    parts = [
        {"ok": tr._("ok"), "failing": tr._("failing"), "waiting": tr._("not polled yet")}[source.health],
        tr._("last success {when}", when=when(source.last_success)) if source.last_success else tr._("no success yet"),
    ]
    if source.last_error and source.last_error_at:
        parts.append(tr._("last error {when}: {error}", when=when(source.last_error_at), error=source.last_error))
    parts.append(tr.ngettext("{n} post seen", "{n} posts seen", source.posts_seen))
    return " · ".join(parts)
