"""Which cue each count belongs to: the cue just after it (`270 БпЛА збито`), else the last one before it
in its sentence (`противник атакував 137 БпЛА`)."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from handlers.parser.cues import Cue, Role
from handlers.parser.text import Sentences
from handlers.parser.weapons import Mention

# words that may stand between a count and a cue that follows it
_BEFORE_CUE = re.compile(
    r"[\s,:-]*(?:(?:more|ще|інших|others?|were|was|have|has|had|been|are|is|були|було|була|були|також|also|then|"
    r"successfully|успішно|reportedly|all)\s+)*"
)
_CLAUSE_END = re.compile(r"\s*(?:(?:of\s+(?:them|these|those)|з\s+них|із\s+них)\b)?\s*(?:[,.;:)]|$|and\b|та\b|і\b)")
_AND_ONLY = re.compile(r"^\s*(?:and|та|і|й|or|або|&)\s*$")
_LIST_GAP = re.compile(r"^[\s,;]*(?:(?:and|та|і|й|or|або|а також|as well as|plus|along with)\s*)?[\s,;-]*$")


@dataclass(frozen=True)
class Assigned:
    """A count, its role and the cue occurrence that gave it (figures under one cue add up)."""

    mention: Mention
    role: Role
    cue: int


def assign_roles(mentions: list[Mention], cues: list[Cue], text: str, spans: Sentences) -> list[Assigned]:
    """Give each count that belongs to a cue its role; counts with no cue are left out."""
    by_start = {c.start: i for i, c in enumerate(cues)}
    cue_ends = [c.end for c in cues]
    cue_sentences = [spans.index(c.start) for c in cues]

    def last_cue_before(pos: int, sentence: int) -> int | None:
        i = bisect.bisect_right(cue_ends, pos) - 1
        return i if i >= 0 and cue_sentences[i] == sentence else None

    out: list[Assigned] = []
    top = [m for m in mentions if m.parent is None]
    groups: list[list[Mention]] = []
    for m in top:
        if (
            groups
            and m.described
            and groups[-1][-1].described
            and spans.index(m.start) == spans.index(groups[-1][-1].start)
            and _LIST_GAP.match(text[groups[-1][-1].end : m.start])
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    for group in groups:
        after = _cue_after(group[-1], text, by_start)
        sentence = spans.index(group[0].start)
        preceding = last_cue_before(group[0].start, sentence)
        whole_group = after is not None and (
            preceding is None or all(_AND_ONLY.match(text[a.end : b.start]) for a, b in itertools.pairwise(group))
        )
        for m in group:
            cue: int | None
            if after is not None and (whole_group or m is group[-1]):
                cue = after
            elif not m.described:
                cue = _cue_right_before(m, text, cues, last_cue_before(m.start, sentence))
            else:
                cue = last_cue_before(m.start, sentence)
            if cue is None:
                continue
            out.append(Assigned(m, cues[cue].role, cue))
            out.extend(Assigned(p, cues[cue].role, cue) for p in m.parts)
    return out


def _cue_right_before(m: Mention, text: str, cues: list[Cue], cue: int | None) -> int | None:
    """`shot down 420 of them`, `збито 270,`: a bare count right after its cue, ending its clause."""
    if cue is None or text[cues[cue].end : m.start].strip(" :"):
        return None
    return cue if _CLAUSE_END.match(text, m.end) else None


def _cue_after(m: Mention, text: str, by_start: dict[int, int]) -> int | None:
    skip = _BEFORE_CUE.match(text, m.end)
    pos = skip.end() if skip else m.end
    return by_start.get(pos)
