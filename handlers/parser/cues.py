"""The words that say what a count is: launched, shot down, suppressed, neutralized, hit, debris."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache


class Role(StrEnum):
    """What a count in a report stands for."""

    LAUNCHED = "launched"
    # neutralized with no shot-down / suppressed split (`збито/подавлено`, `intercepted`)
    NEUTRALIZED = "neutralized"
    DESTROYED = "destroyed"
    SUPPRESSED = "suppressed"
    HIT = "hit"
    DEBRIS = "debris"
    # still in the air, earlier attacks, totals of the war: not this report's figures
    OTHER = "other"


# a shot-down verb and a suppressed verb joined (`збили або придушили`, `shot down or suppressed`)
# say neither alone: the count is neutralized with no split
_DOWNED = (
    r"збито|збили|збила|збив|знищено|знищили|знищила|знищив|знешкоджено|знешкодили|"
    r"shot down|downed|destroyed|brought down|taken down|intercepted|neutrali[sz]ed"
)
_LOST = (
    r"подавлен\w*|подавил\w*|придушен\w*|придушил\w*|локаційно втрачен\w*|"
    r"suppressed|jammed|locationally lost|lost(?: (?:from|on|to) (?:the )?radars?)?"
)
_JOINED = r"(?:\s*/\s*|\s+(?:та\s*/\s*або|або|чи|та|і|й|and\s*/\s*or|or|and)\s+)"
_EITHER = rf"(?:{_DOWNED}){_JOINED}(?:{_LOST})|(?:{_LOST}){_JOINED}(?:{_DOWNED})"
# `знешкоджено (збито та подавлено)`: the brackets spell out the neutralized word
_SPELLED_OUT = rf"(?:\s*\(\s*(?:{_EITHER})\s*\))?"

# in priority order: at one position the first that matches wins
_CUES: tuple[tuple[Role, str], ...] = (
    (Role.OTHER, r"атака триває|в повітряному просторі|у повітряному просторі|remain(?:s|ed)? in the air|still in the air"),
    (Role.OTHER, r"з початку (?:року|місяця|тижня|війни|вторгнення)|since the (?:start|beginning)|earlier this (?:week|month|year)|last (?:week|month|year)"),
    (Role.NEUTRALIZED, _EITHER),
    (Role.SUPPRESSED, r"локаційно втрачен\w*|локаційно втрачено|подавлен\w* (?:засобами )?реб|не досягл\w* (?:своїх )?ціл\w*|не долетіл\w*"),
    (Role.SUPPRESSED, r"lost (?:from|on|to) (?:the )?radars?(?: or jammed)?|locationally lost|(?:did not|didn't|failed to) reach (?:their )?targets?|jammed|suppressed"),
    (Role.NEUTRALIZED, rf"(?:знешкодж\w*|знешкодил\w*|нейтралізова\w*){_SPELLED_OUT}"),
    (Role.NEUTRALIZED, rf"(?:intercept\w*|neutrali[sz]\w*|repelled){_SPELLED_OUT}"),
    (Role.SUPPRESSED, r"подавлен\w*|подавил\w*|придушен\w*|придушил\w*"),
    (Role.DESTROYED, r"збито|збили|збила|збив|збиття|знищено|знищили|знищила|знищив|знищення"),
    (Role.DESTROYED, r"shot down|shoot down|downed|destroyed|brought down|taken down"),
    (Role.LAUNCHED, r"(?:struck|hit|targeted|pounded|bombarded|attacked)\b[^.;:,]{0,40}?\bwith\b"),
    (Role.LAUNCHED, r"атаку(?:вав|вала|вали|вало|є|ють)|(?:за|ви)пусти(?:в|ла|ли|ло)|(?:за|ви)пущено|застосува(?:в|ла|ли|ло)|застосовано|використа(?:в|ла|ли)"),
    (Role.LAUNCHED, r"launch(?:ed|es|ing)?|fired|fires|attacked|used|sent|unleashed|deployed|involved|involving"),
    (Role.HIT, r"влуча\w*|влучил\w*|влучан\w*|\bhit\b|hits|struck|impacts?"),
    (Role.DEBRIS, r"падіння|уламк\w*|debris|fragments|wreckage"),
)
# an unsplit or shot-down cue followed closely by electronic warfare means suppressed
_BY_EW = re.compile(r"^[^.;\n]{0,25}?(?:засобами реб|\bреб\b|electronic warfare|\bew\b|jamming)")


@dataclass(frozen=True)
class Cue:
    """One cue word and where it stands."""

    start: int
    end: int
    role: Role


@cache
def _pattern() -> re.Pattern[str]:
    parts = [f"(?P<c{i}>{regex})" for i, (_, regex) in enumerate(_CUES)]
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])")


@cache
def _either() -> re.Pattern[str]:
    return re.compile(_EITHER)


def find_cues(text: str) -> list[Cue]:
    """Every cue in `text` (lower case), in order."""
    found = []
    for m in _pattern().finditer(text):
        index = int(next(name for name, value in m.groupdict().items() if value is not None)[1:])
        role = _CUES[index][0]
        # a phrase that names both shot down and suppressed stays unsplit whatever means follow it
        if role in (Role.NEUTRALIZED, Role.DESTROYED) and not _either().search(m.group()) and _BY_EW.match(text[m.end() :]):
            role = Role.SUPPRESSED
        found.append(Cue(m.start(), m.end(), role))
    return found
