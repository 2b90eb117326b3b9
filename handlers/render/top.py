"""The /top list: the largest attacks of a window, one ranked row each."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from handlers.context import Message
from handlers.i18n import N_, Translator, translator
from handlers.render.common import counts_row
from storage.models import StrikeSummary

# window key → how it is named in the /top title
TOP_WINDOW_TITLES: dict[str, str] = {
    "7d": N_("last 7 days"),
    "30d": N_("last 30 days"),
    "90d": N_("last 90 days"),
    "365d": N_("last 365 days"),
    "all": N_("all time"),
}


def night_of(tr: Translator, summary: StrikeSummary, tz: ZoneInfo) -> str:
    """The local date(s) of an attack with the year: `Jul 3 – 4, 2025` for an overnight wave."""
    first, last = summary.period_start.astimezone(tz).date(), summary.period_end.astimezone(tz).date()
    return tr.day_span(first, last) if first < last else tr.day(last)


def top_row(tr: Translator, rank: int, summary: StrikeSummary, tz: ZoneInfo) -> str:
    """`1. Jul 3 – 4, 2025 · 550 launched (539 drones, 11 missiles) · 478 neutralized (86.9%) · #42`."""
    parts = [f"{rank}. {night_of(tr, summary, tz)}", counts_row(tr, summary), tr._("#{id}", id=summary.id)]
    return " · ".join(parts)


def render_top(
    summaries: Sequence[StrikeSummary], window: str, locale: str, tz: ZoneInfo, region_name: str | None = None
) -> Message:
    """The ranked list, biggest first, with a hint to open one report."""
    tr = translator(locale)
    title = tr._("Largest attacks: {window}", window=tr._(TOP_WINDOW_TITLES[window]))
    if region_name:
        title += f" · {region_name}"
    msg = Message(title=title)
    if not summaries:
        msg.lines.append(tr._("No reports in this period."))
        return msg
    msg.lines.extend(top_row(tr, rank, s, tz) for rank, s in enumerate(summaries, start=1))
    msg.footer = tr._("Details: /summary ID")
    return msg
