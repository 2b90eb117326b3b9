"""Read one strike report's text into an ingest draft (docs/design.md "Report parsing"), offline and rule-based."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from handlers.parser.casualties import find_casualties
from handlers.parser.cues import Role, find_cues
from handlers.parser.dates import find_period
from handlers.parser.impact import find_impact
from handlers.parser.models import tag_models
from handlers.parser.numbers import words_to_digits
from handlers.parser.regions import find_regions
from handlers.parser.roles import assign_roles
from handlers.parser.tally import build_tally
from handlers.parser.text import lower, normalise, sentences
from handlers.parser.weapons import Mention, find_mentions, uncounted_weapons

KYIV = "Europe/Kyiv"
MAX_TEXT = 100_000
_AIR_FORCE = re.compile(r"air\s+force|повітрян\w+\s+сил|пс\s+зсу|kpszsu")


class NoReport(ValueError):
    """The text holds no strike report; the message says in one line what was missing."""


@dataclass(frozen=True)
class ParseResult:
    """An ingest-JSON draft (only what the text states) and what could not be read cleanly."""

    draft: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _headline_span(cased: str) -> tuple[int, int] | None:
    """The first line when it is a capitalised headline (`ЗБИТО/ПОДАВЛЕНО 129 ВОРОЖИХ БПЛА`)."""
    offset = 0
    for line in cased.split("\n"):
        if line.strip():
            letters = [c for c in line if c.isalpha()]
            upper = sum(1 for c in letters if c.isupper())
            if len(letters) >= 8 and upper >= 0.7 * len(letters):
                return offset, offset + len(line)
            return None
        offset += len(line) + 1
    return None


def _context(mentions: list[Mention]) -> dict[int, Mention]:
    """For each count, the last count before it that says what it counts (`shot down 420 of them`)."""
    out: dict[int, Mention] = {}
    last: Mention | None = None
    for m in mentions:
        if last is not None:
            out[m.start] = last
        if m.described and m.kind != "total":
            last = m
    return out


def parse_report(
    text: str, published: datetime | None = None, *, tz: tzinfo | None = None, now: datetime | None = None
) -> ParseResult:
    """Parse a report's text; raises NoReport when it holds no launched or neutralized figures.

    `published` (naive = Kyiv time) is when the text appeared: dates without
    a year, weekdays and "overnight" resolve against it.
    """
    zone = tz or ZoneInfo(KYIV)
    if not text.strip():
        raise NoReport("the text is empty")
    if len(text) > MAX_TEXT:
        raise NoReport(f"the text is longer than {MAX_TEXT:,} characters")
    cased = normalise(text)
    numbered = words_to_digits(cased)
    tagged = tag_models(numbered.text)
    low = lower(tagged.text)
    spans = sentences(tagged.text)
    cues = find_cues(low)
    mentions = find_mentions(type(tagged)(low, tagged.models), numbered.approx)
    headline = _headline_span(tagged.text)
    if headline is not None:
        for m in mentions:
            m.headline = headline[0] <= m.start < headline[1]
    assigned = assign_roles(mentions, cues, low, spans)
    tally = build_tally(assigned, _context(mentions))
    weapons = tally.weapons()
    if not weapons and not tally.unsplit:
        described = [a for a in assigned if a.role in (Role.LAUNCHED, Role.NEUTRALIZED, Role.DESTROYED, Role.SUPPRESSED)]
        if described:
            raise NoReport("no launched or neutralized figure could be tied to a weapon")
        raise NoReport("no launched or neutralized figures (e.g. 'launched 50 drones', 'збито 40 БпЛА')")
    period = find_period(low, published, zone, now or datetime.now(UTC))
    impact = find_impact(low, cues, spans, numbered.approx)
    casualties = find_casualties(low, spans, numbered.approx)
    regions = find_regions(low, spans)

    draft: dict[str, Any] = {}
    if _AIR_FORCE.search(low):
        draft["source"] = "Ukrainian Air Force"
    draft["period_start"] = period.start.isoformat()
    draft["period_end"] = period.end.isoformat()
    if regions:
        draft["regions"] = regions
    if weapons:
        draft["weapons"] = weapons
    if tally.unsplit:
        draft["neutralized_unsplit"] = tally.unsplit
    for key, value in (
        ("hit_locations", impact.hit_locations),
        ("debris_locations", impact.debris_locations),
        ("killed", casualties.killed),
        ("injured", casualties.injured),
    ):
        if value is not None:
            draft[key] = value
    uncounted = [f"'{line}' names a weapon with no count; not counted" for line in uncounted_weapons(tagged)]
    warnings = [*period.warnings, *tally.warnings, *uncounted, *impact.warnings, *casualties.warnings]
    return ParseResult(draft, list(dict.fromkeys(warnings)))
