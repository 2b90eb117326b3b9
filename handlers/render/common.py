"""Pieces shared by the renderers: region names, periods, launch and neutralization phrases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.i18n import Translator
from handlers.render.dates import Dates
from storage.catalog import gazetteer
from storage.models import StrikeSummary


def region_names(region_ids: tuple[str, ...] | list[str], locale: str) -> list[str]:
    """Display names of canonical region ids in a locale (unknown ids shown as they are)."""
    places = gazetteer()
    names = []
    for region_id in region_ids:
        region = places.get(region_id)
        names.append(region.name(locale) if region else region_id)
    return sorted(names)


def headline(tr: Translator, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """'Night of Jul 3 – 4, 2025' for an overnight wave, else the day of the attack."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    if first < last:
        # uk speaks of "the night onto <date>", en of the span: each template picks its value
        return tr._("Night of {dates}", dates=tr.day_span(first, last), date=tr.day(last))
    return tr._("Attack on {date}", date=tr.day(last))


def period_line(dates: Dates, start: datetime, end: datetime) -> str:
    """From when to when, in local time of the configured zone (the year when it is not this one)."""
    return dates.tr._(
        "From {start} to {end} ({zone})",
        start=dates.moment(start),
        end=dates.moment(end),
        zone=dates.tz.key,
    )


def launched_phrase(tr: Translator, launched: int, drones: int, missiles: int) -> str:
    """'550 (539 drones, 11 missiles)'; other categories (bombs, unknown) counted apart."""
    parts = []
    if drones:
        parts.append(tr.ngettext("{n} drone", "{n} drones", drones))
    if missiles:
        parts.append(tr.ngettext("{n} missile", "{n} missiles", missiles))
    other = launched - drones - missiles
    if other > 0 and parts:
        parts.append(tr.ngettext("{n} other", "{n} other", other))
    total = tr.number(launched)
    return f"{total} ({', '.join(parts)})" if parts else total


def neutralized_phrase(
    tr: Translator, neutralized: int, rate: float | None, destroyed: int, suppressed: int
) -> str:
    """'478 (86.9%): 270 shot down, 208 suppressed'."""
    text = tr.number(neutralized)
    if rate is not None:
        text += f" ({tr.percent(rate)})"
    # a split is shown only when it covers everything neutralized (none is made up for an unsplit total)
    if destroyed and suppressed and destroyed + suppressed == neutralized:
        text += ": " + tr._(
            "{destroyed} shot down, {suppressed} suppressed",
            destroyed=tr.number(destroyed),
            suppressed=tr.number(suppressed),
        )
    return text


def casualties_phrase(tr: Translator, killed: int | None, injured: int | None) -> str | None:
    """'2 killed, 23 injured'; None when neither is known."""
    if killed is None and injured is None:
        return None
    if not killed and not injured:
        return tr._("none reported")
    parts = []
    if killed:
        parts.append(tr.ngettext("{n} killed", "{n} killed", killed))
    if injured:
        parts.append(tr.ngettext("{n} injured", "{n} injured", injured))
    return ", ".join(parts)


def counts_row(tr: Translator, summary: StrikeSummary) -> str:
    """`550 launched (539 drones, 11 missiles) · 478 neutralized (86.9%)` on one line."""
    phrase = launched_phrase(tr, summary.launched, summary.drones_launched, summary.missiles_launched)
    # launched_phrase reads `550 (539 drones, 11 missiles)`: the part in brackets follows the verb here
    _, sep, rest = phrase.partition(" (")
    row = tr._("{launched} launched", launched=tr.number(summary.launched)) + (f" ({rest}" if sep else "")
    if summary.launched and summary.neutralization_rate is not None:
        row += " · " + tr._(
            "{neutralized} neutralized ({rate})",
            neutralized=tr.number(summary.neutralized),
            rate=tr.percent(summary.neutralization_rate),
        )
    return row
