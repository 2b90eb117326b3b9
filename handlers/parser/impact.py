"""Where weapons hit and where debris fell: `влучання … на 6 локаціях`, `падіння уламків на 3 локаціях`, `hit eight locations`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.parser.cues import Cue, Role
from handlers.parser.text import Sentences

_LOCATIONS = re.compile(r"(?<![\w§])(~?)(\d{1,5})\s+(?:різних\s+|separate\s+|other\s+)?(?:локаці\w*|location\w*|sites?|місц\w*|places?)(?!\w)")


@dataclass
class Impact:
    """Hit and debris locations (None when the text does not say)."""

    hit_locations: int | None = None
    debris_locations: int | None = None
    warnings: list[str] = field(default_factory=list)


def find_impact(text: str, cues: list[Cue], spans: Sentences, approx: dict[int, str]) -> Impact:
    """Counts of locations, each taken by the nearest hit or debris cue before it in its sentence."""
    impact = Impact()
    for m in _LOCATIONS.finditer(text):
        sentence = spans.index(m.start())
        before = [c for c in cues if c.end <= m.start() and spans.index(c.start) == sentence and c.role in (Role.HIT, Role.DEBRIS)]
        if not before:
            continue
        count = int(m.group(2))
        field_name = "hit_locations" if before[-1].role is Role.HIT else "debris_locations"
        current = getattr(impact, field_name)
        if current is not None:
            if current != count:
                what = "hits" if field_name == "hit_locations" else "debris"
                impact.warnings.append(f"{what} stated at {current} and at {count} locations; kept {current}")
            continue
        if m.group(1):
            impact.warnings.append(f"'{approx.get(m.start(), '~' + m.group(2))}' read as {count}")
        setattr(impact, field_name, count)
    return impact
