"""The alert for one summary, its withdrawn variant, and a broadcast."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Message
from handlers.i18n import N_, translator
from handlers.render.common import (
    casualties_phrase,
    headline,
    launched_phrase,
    neutralized_phrase,
    period_line,
    region_names,
)
from handlers.render.dates import Dates
from storage.models import StrikeSummary

# the placeholder models /post uses read better in the chat's language
GENERIC_MODELS = {"Unknown UAV": N_("Unknown UAV"), "Unknown Missile": N_("Unknown Missile")}


def render_alert(
    summary: StrikeSummary,
    locale: str,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    neutralized_unknown: bool = False,
) -> Message:
    """The full alert: numbers as fields, details as lines, source and id in the footer.

    `now` is when it is read (/summary, or the dispatcher's wall clock at
    send time); left out, the report's own time counts as the present.
    `neutralized_unknown`: the figures name neither destroyed nor suppressed
    (a /post preview), so the zeros they hold mean "not reported".
    """
    tr = translator(locale)
    dates = Dates.as_of(tr, tz, now if now is not None else summary.period_end)
    msg = Message(title="🚨 " + headline(tr, summary.period_start, summary.period_end, tz))
    msg.launched = summary.launched
    if summary.revision > 1:
        msg.lines.append("✏️ " + tr._("Corrected, revision {revision}", revision=summary.revision))
    msg.lines.append(period_line(dates, summary.period_start, summary.period_end))
    msg.fields.append(
        (
            tr._("Launched"),
            launched_phrase(
                tr, summary.launched, summary.drones_launched, summary.missiles_launched
            ),
        )
    )
    if summary.launched or summary.neutralized:
        neutralized = (
            tr._("unknown")
            if neutralized_unknown
            else neutralized_phrase(
                tr, summary.neutralized, summary.neutralization_rate, summary.destroyed, summary.suppressed
            )
        )
        msg.fields.append((tr._("Neutralized"), neutralized))
    sites = []
    if summary.hit_locations is not None:
        sites.append(tr.ngettext("hits at {n} location", "hits at {n} locations", summary.hit_locations))
    if summary.debris_locations is not None:
        sites.append(
            tr.ngettext(
                "debris at {n} location", "debris at {n} locations", summary.debris_locations
            )
        )
    if sites:
        msg.fields.append((tr._("Impact"), ", ".join(sites)))
    casualties = casualties_phrase(tr, summary.killed, summary.injured)
    if casualties:
        msg.fields.append((tr._("Casualties"), casualties))
    if summary.regions:
        msg.fields.append((tr._("Regions"), ", ".join(region_names(summary.regions, tr.locale))))
    if len(summary.weapons) > 1:
        for w in summary.weapons:
            msg.lines.append(
                tr._(
                    "{model}: {launched} launched, {neutralized} neutralized",
                    model=tr._(GENERIC_MODELS[w.model]) if w.model in GENERIC_MODELS else w.model,
                    launched=tr.number(w.launched),
                    neutralized=tr.number(w.neutralized),
                )
            )
    if summary.damage:
        msg.lines.append(tr._("Damage:"))
        msg.lines.extend(f"• {item}" for item in summary.damage)
    if summary.notes:
        msg.lines.append(summary.notes)
    msg.footer = _footer(summary, locale)
    return msg


def _footer(summary: StrikeSummary, locale: str) -> str:
    tr = translator(locale)
    parts = [tr._("Report #{id}", id=summary.id)] if summary.id else []
    if summary.revision > 1:
        # the footer is what Discord shows under the embed: say which revision this is
        parts.append(tr._("revision {revision}", revision=summary.revision))
    if summary.source:
        parts.append(tr._("Source: {source}", source=summary.source))
    if summary.source_url:
        parts.append(summary.source_url)
    return " · ".join(parts)


def render_retracted(summary: StrikeSummary, locale: str, tz: ZoneInfo) -> Message:
    """What an alert turns into when its report is withdrawn."""
    tr = translator(locale)
    return Message(
        title="❌ "
        + tr._(
            "Withdrawn: {headline}",
            headline=headline(tr, summary.period_start, summary.period_end, tz),
        ),
        lines=[tr._("This report was withdrawn; please disregard its figures.")],
        footer=_footer(summary, locale),
    )


def render_broadcast(text: str, locale: str) -> Message:
    """A free-text announcement from a bot admin."""
    tr = translator(locale)
    return Message(title="📢 " + tr._("Announcement"), lines=[text])
