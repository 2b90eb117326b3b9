"""Target regions: `Основні напрямки удару - Одещина, Київщина`, `у Києві`, `на Харківщині`, `in Kyiv`, `the Lviv region`.

Only names after a preposition of place (or in the list of main directions)
count: launch areas (`із Брянської обл.`, `із напрямків: Курськ, Орел`,
`from Kursk`) never do. Ukrainian case forms are brought back to the
gazetteer's names by their endings.
"""

from __future__ import annotations

import re
from functools import lru_cache

from handlers.parser.text import Sentences
from storage.catalog import Gazetteer, gazetteer

_TARGET_LIST = re.compile(
    r"(?:основн\w*\s+напрям\w*|напрям\w*\s+основного)\s+(?:удару|ударів|атаки|атак)\s*[-:]?\s*([^.\n;]+)"
)
_PLACE_WORDS = frozenset({"у", "в", "на", "по", "над", "in", "on", "at", "over", "across", "around", "towards", "toward", "targeting", "targeted", "the"})
_LIST_WORDS = frozenset({",", "and", "та", "і", "й", "&"})
_SKIP_WORDS = frozenset({"the", "city", "of", "town", "місто", "місті", "м.", "столичній"})
_ELSEWHERE = re.compile(r"shelling|artillery|артилері\w*|earlier|last week|last month|минулого тижня|since the|in the war")
_OBLAST_WORDS = frozenset({"області", "область", "областю", "обл.", "обл", "областях", "областей", "oblast", "oblasts", "region", "regions"})
_ADJECTIVE = re.compile(r"^(.+?)(ськ|цьк|зьк)(?:ої|ій|у|ою|а|их|ими)$")
# ending of a case form → ending of the name the gazetteer knows
_ENDINGS: tuple[tuple[str, str], ...] = (
    ("щині", "щина"),
    ("щину", "щина"),
    ("щини", "щина"),
    ("щиною", "щина"),
    ("ччині", "ччина"),
    ("ччину", "ччина"),
    ("ччини", "ччина"),
    ("жжі", "жжя"),
    ("тті", "ття"),
    ("єві", "їв"),
    ("єва", "їв"),
    ("єву", "їв"),
    ("ові", "ів"),
    ("ова", "ів"),
    ("ову", "ів"),
    ("олі", "іль"),
    ("оля", "іль"),
    ("ького", "ький"),
    ("ькому", "ький"),
    ("цях", "ці"),
    ("ах", "и"),
    ("ому", "е"),
    ("ого", "е"),
    ("рі", "ро"),
    ("ра", "ро"),
    ("ці", "ця"),
    ("цю", "ця"),
    ("ою", "а"),
    ("і", "а"),
    ("у", "а"),
    ("и", "а"),
    ("і", ""),
    ("у", ""),
    ("а", ""),
    ("'s", ""),
    ("s", ""),
)
_WORD = re.compile(r"[^\W\d_][\w'.-]*|[,;:]")


def _lemmas(words: list[str]) -> list[str]:
    """Names a phrase may be a case form of, most literal first."""
    words = [w.rstrip(".") if w not in {"обл.", "м."} else w for w in words]
    phrase = " ".join(words)
    out = [phrase]
    if len(words) >= 2 and words[-1] in _OBLAST_WORDS:
        adjective = _ADJECTIVE.match(words[0])
        if adjective and len(words) == 2:
            out.append(f"{adjective.group(1)}{adjective.group(2)}а область")
        if words[-1] in {"regions", "oblasts"}:
            out.append(" ".join(words[:-1]) + " " + words[-1][:-1])
    if len(words) == 1:
        word = words[0]
        adjective = _ADJECTIVE.match(word)
        if adjective:
            out.append(f"{adjective.group(1)}{adjective.group(2)}а область")
        for ending, replacement in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                out.append(word[: len(word) - len(ending)] + replacement)
    return out


def _resolve(words: list[str], places: Gazetteer, *, macro: bool) -> str | None:
    return _resolve_cached(tuple(words), places, macro)


@lru_cache(maxsize=4096)
def _resolve_cached(words: tuple[str, ...], places: Gazetteer, macro: bool) -> str | None:
    for name in _lemmas(list(words)):
        # a capital first letter: lower-case `kyiv` is the oblast's id, `Kyiv` the city's name
        region_id = places.resolve(name[:1].upper() + name[1:])
        if region_id is not None:
            region = places.get(region_id)
            if region is not None and (macro or region.kind != "macro"):
                return region_id
    return None


def _scan(words: list[str], i: int, places: Gazetteer, *, macro: bool) -> tuple[str, int] | None:
    """A region named at `words[i]` (one to three words), with the index after it."""
    while i < len(words) and words[i] in _SKIP_WORDS:
        i += 1
    for size in (3, 2, 1):
        if i + size > len(words) or any(w in _LIST_WORDS or w in {";", ":"} for w in words[i : i + size]):
            continue
        found = _resolve(words[i : i + size], places, macro=macro)
        if found is not None:
            return found, i + size
    return None


def _names_from(words: list[str], i: int, places: Gazetteer, *, macro: bool) -> list[str]:
    """A region at `words[i]` and the ones listed after it (`Одещина, Київщина та Сумщина`)."""
    out: list[str] = []
    while True:
        found = _scan(words, i, places, macro=macro)
        if found is None:
            return out
        out.append(found[0])
        i = found[1]
        if i < len(words) and words[i] in _OBLAST_WORDS:
            i += 1
        if i >= len(words) or words[i] not in _LIST_WORDS:
            return out
        i += 1
        if i < len(words) and words[i] in _LIST_WORDS:
            i += 1


def find_regions(text: str, spans: Sentences) -> list[str]:
    """Ids of the regions a report names as targets, in the order named."""
    places = gazetteer()
    found: list[str] = []
    for m in _TARGET_LIST.finditer(text):
        words = _WORD.findall(m.group(1))
        i = 0
        while i < len(words):
            names = _names_from(words, i, places, macro=True)
            found.extend(names)
            i += 1
    for number in range(len(spans.starts)):
        start, end = spans.span(number, len(text))
        sentence = text[start:end]
        if _ELSEWHERE.search(sentence):
            continue
        words = _WORD.findall(sentence)
        for i, word in enumerate(words):
            if word in _PLACE_WORDS:
                found.extend(_names_from(words, i + 1, places, macro=False))
    return list(dict.fromkeys(found))
