"""The compact alert (/format compact): headline, counts, hits and casualties, report id."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.context import Message
from handlers.i18n import translator
from handlers.render.common import casualties_phrase, counts_row, headline
from storage.models import StrikeSummary


def compact_footer(summary: StrikeSummary, locale: str) -> str:
    """`Report #42`, with the revision once corrected; no source, so the alert stays short."""
    tr = translator(locale)
    parts = [tr._("Report #{id}", id=summary.id)]
    if summary.revision > 1:
        parts.append(tr._("revision {revision}", revision=summary.revision))
    return " · ".join(parts)


def render_compact(summary: StrikeSummary, locale: str, tz: ZoneInfo) -> Message:
    """A short alert: no weapon breakdown, damage list, notes or source."""
    tr = translator(locale)
    msg = Message(title="🚨 " + headline(tr, summary.period_start, summary.period_end, tz))
    msg.launched = summary.launched
    msg.lines.append(counts_row(tr, summary))
    known = []
    if summary.hit_locations is not None:
        known.append(tr.ngettext("hits at {n} location", "hits at {n} locations", summary.hit_locations))
    casualties = casualties_phrase(tr, summary.killed, summary.injured)
    if casualties:
        known.append(casualties)
    if known:
        msg.lines.append(" · ".join(known))
    msg.footer = compact_footer(summary, locale)
    return msg


def render_compact_retracted(summary: StrikeSummary, locale: str, tz: ZoneInfo) -> Message:
    """What a compact alert turns into when its report is withdrawn."""
    tr = translator(locale)
    return Message(
        title="❌ " + tr._("Withdrawn: {headline}", headline=headline(tr, summary.period_start, summary.period_end, tz)),
        lines=[tr._("This report was withdrawn; please disregard its figures.")],
        footer=compact_footer(summary, locale),
    )
