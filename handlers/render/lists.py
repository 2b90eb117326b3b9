"""The /latest list and the /stats text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Message
from handlers.i18n import N_, translator
from handlers.render.common import (
    casualties_phrase,
    counts_row,
    launched_phrase,
    neutralized_phrase,
)
from handlers.render.dates import Dates
from storage.models import Stats, StrikeSummary

# window key → how it is named in a /stats title
WINDOW_TITLES: dict[str, str] = {
    "24h": N_("last 24 hours"),
    "7d": N_("last 7 days"),
    "30d": N_("last 30 days"),
    "365d": N_("last 365 days"),
    "all": N_("all time"),
}


def render_latest(
    summaries: Sequence[StrikeSummary],
    locale: str,
    tz: ZoneInfo,
    region_name: str | None = None,
    *,
    now: datetime,
) -> Message:
    """One short row per summary, newest first, with a hint to open one."""
    tr = translator(locale)
    dates = Dates.as_of(tr, tz, now)
    title = tr._("Latest reports")
    if region_name:
        title += f" · {region_name}"
    msg = Message(title=title)
    if not summaries:
        msg.lines.append(tr._("No reports yet."))
        return msg
    for s in summaries:
        row = " · ".join([tr._("#{id}", id=s.id), dates.span(s.period_start, s.period_end), counts_row(tr, s)])
        if s.revision > 1:
            row += " · " + tr._("rev. {revision}", revision=s.revision)
        msg.lines.append(row)
    msg.footer = tr._("Details: /summary ID")
    return msg


def render_stats(
    stats: Stats,
    window: str,
    locale: str,
    tz: ZoneInfo,
    region_name: str | None = None,
    *,
    now: datetime,
) -> Message:
    """Totals over a window: reports, launched, neutralized, casualties, the largest attack."""
    tr = translator(locale)
    title = tr._("Statistics: {window}", window=tr._(WINDOW_TITLES[window]))
    if region_name:
        title += f" · {region_name}"
    msg = Message(title=title)
    if stats.since is not None:
        # no brackets: transports that bracket the footer would nest them
        msg.footer = tr._(
            "Since {moment}, {zone} time", moment=Dates.as_of(tr, tz, now).moment(stats.since), zone=tz.key
        )
    if not stats.summaries:
        msg.lines.append(tr._("No reports in this period."))
        return msg
    msg.fields.append((tr._("Reports"), tr.number(stats.summaries)))
    msg.fields.append(
        (
            tr._("Launched"),
            launched_phrase(tr, stats.launched, stats.drones_launched, stats.missiles_launched),
        )
    )
    msg.fields.append(
        (
            tr._("Neutralized"),
            neutralized_phrase(
                tr, stats.neutralized, stats.neutralization_rate, stats.destroyed, stats.suppressed
            ),
        )
    )
    casualties = casualties_phrase(tr, stats.killed, stats.injured)
    if casualties:
        msg.fields.append((tr._("Casualties"), casualties))
    if stats.largest is not None:
        msg.lines.append(
            tr._(
                "Largest attack: #{id}, {day}: {launched} launched",
                id=stats.largest.id,
                day=tr.day(stats.largest.period_end.astimezone(tz)),
                launched=tr.number(stats.largest.launched),
            )
        )
    return msg
