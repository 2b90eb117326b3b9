"""Killed and injured in this attack: `загинули 2 людини`, `injuring at least 23 people`.

Sentences about something else (shelling, earlier attacks, the war's
totals) are skipped: their numbers are not this report's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.parser.text import Sentences

_PEOPLE = (
    r"(?:people|persons?|person|civilians?|residents?|men|women|children|людей|людини|людина|осіб|особи|особа|"
    r"мешканц\w*|жител\w*|цивільн\w*|дітей|дитин\w*)"
)
_KILLED = r"(?:killed|killing|dead|died|die|загинул[аио]?|загинув|загиблих|загиблі|вбито|вбив|вбила|вбили|загибел\w*)"
_INJURED = (
    r"(?:injur\w*|wound\w*|hurt|поранення отримал\w*|поранен\w*|постраждал\w*|травмован\w*|отримал\w* поранення|зазнал\w* поранень|"
    r"дістал\w* поранення)"
)
# `killed 3 people`, `загинули 2 людини`: the verb, a few words, the count
_VERB_FIRST = r"(?<![\w']){verb}(?:\s+(?:at\s+least|щонайменше|ще|also|another|a\s+further|further|of))*\s+(~?)(\d{{1,5}})(?![\d:.]|\s+(?:{months}|years?|рок\w*|km|км|%|drones?|missiles?|бпла|ракет\w*|дрон\w*|локаці\w*|locations?))"
# `23 people were injured`, `5 людей поранені`: the count, people, the verb
_COUNT_FIRST = r"(?<![\w§])(~?)(\d{{1,5}})\s+(?:{people}(?:,[^,.;]{{1,60}},)?\s+(?:[\w']+\s+){{0,3}}?)?(?:(?:were|was|have\s+been|had\s+been|has\s+been|are|were\s+reported|було|були)\s+)?{verb}(?![\w])"
_MONTHS = r"січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня|january|february|march|april|may|june|july|august|september|october|november|december"
# a sentence about another event or the war as a whole
_ELSEWHERE = re.compile(
    r"shelling|artillery|обстріл\w* з артилерії|артилері\w*|earlier|since the|in the war|during the war|this year|last year|"
    r"last week|last month|з початку|за весь час|минулого тижня|минулого місяця|thousands|тисячі|frontline|на фронті"
)


@dataclass
class Casualties:
    """Killed and injured (None when the text does not say)."""

    killed: int | None = None
    injured: int | None = None
    warnings: list[str] = field(default_factory=list)


def find_casualties(text: str, spans: Sentences, approx: dict[int, str]) -> Casualties:
    """Killed and injured from the sentences that speak of this attack."""
    found = Casualties()
    for field_name, verb in (("killed", _KILLED), ("injured", _INJURED)):
        verb_first = re.compile(_VERB_FIRST.format(verb=verb, months=_MONTHS))
        count_first = re.compile(_COUNT_FIRST.format(verb=verb, people=_PEOPLE))
        hits: list[tuple[int, str, int]] = []
        for pattern in (verb_first, count_first):
            for m in pattern.finditer(text):
                start, end = spans.span(spans.index(m.start()), len(text))
                if _ELSEWHERE.search(text, start, end):
                    continue
                number_at = m.start(2) - len(m.group(1))
                hits.append((number_at, m.group(1), int(m.group(2))))
        for at, mark, count in sorted(set(hits)):
            current = getattr(found, field_name)
            if current is not None:
                if current != count:
                    found.warnings.append(f"{field_name} stated as {current} and as {count}; kept {current}")
                continue
            if mark:
                found.warnings.append(f"'{approx.get(at, '~' + str(count))}' read as {count}")
            setattr(found, field_name, count)
    return found
