"""Where weapons hit and where debris fell: `влучання … на 6 локаціях`, `падіння уламків на 3 локаціях`, `hit eight locations`, `debris fell at three`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.parser.cues import Cue, Role
from handlers.parser.text import Sentences

_LOCATIONS = re.compile(r"(?<![\w§])(~?)(\d{1,5})\s+(?:різних\s+|separate\s+|other\s+)?(?:локаці\w*|location\w*|sites?|місц\w*|places?)(?!\w)")
# `debris fell at three.`, `уламки впали на 3,`: a bare count right after the cue, ending its clause
_BARE = re.compile(
    r"(?:\s+(?:fell|landed|were|was|recorded|reported|впали|впало|падали|зафіксовано|зафіксован\w*|уламків)){0,3}"
    r"\s+(?:at|in|on|across|на|у|в)\s+(~?)(\d{1,5})(?=\s*(?:[,.;)]|$|and\b|та\b|і\b))"
)


@dataclass
class Impact:
    """Hit and debris locations (None when the text does not say)."""

    hit_locations: int | None = None
    debris_locations: int | None = None
    warnings: list[str] = field(default_factory=list)


def find_impact(text: str, cues: list[Cue], spans: Sentences, approx: dict[int, str]) -> Impact:
    """Counts of locations, each taken by the nearest hit or debris cue before it in its sentence, or right after one."""
    impact = Impact()
    found: list[tuple[int, str, int, Role]] = []
    for m in _LOCATIONS.finditer(text):
        sentence = spans.index(m.start())
        before = [c for c in cues if c.end <= m.start() and spans.index(c.start) == sentence and c.role in (Role.HIT, Role.DEBRIS)]
        if before:
            found.append((m.start(), m.group(1), int(m.group(2)), before[-1].role))
    for c in cues:
        bare = _BARE.match(text, c.end) if c.role in (Role.HIT, Role.DEBRIS) else None
        if bare is not None:
            found.append((bare.start(1), bare.group(1), int(bare.group(2)), c.role))
    for start, approximate, count, role in sorted(found, key=lambda f: f[0]):
        field_name = "hit_locations" if role is Role.HIT else "debris_locations"
        current = getattr(impact, field_name)
        if current is not None:
            if current != count:
                what = "hits" if field_name == "hit_locations" else "debris"
                impact.warnings.append(f"{what} stated at {current} and at {count} locations; kept {current}")
            continue
        if approximate:
            impact.warnings.append(f"'{approx.get(start, '~' + str(count))}' read as {count}")
        setattr(impact, field_name, count)
    return impact
