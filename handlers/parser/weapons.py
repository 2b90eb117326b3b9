"""Weapon mentions: a count and what it counts (`101 ударним БпЛА типу Shahed`, `seven Kh-101 missiles`).

Model names are already tags (`§3§`, see models.py) when the text reaches here.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from handlers.parser.models import TAG, Tagged
from handlers.parser.text import lower
from storage.catalog import weapon_catalog
from storage.models import WeaponCategory

_DIGIT = re.compile(r"\d")
_WORDS = re.compile(r"[^\W\d_][\w'-]*")


# what a word says about the weapon, by the word's beginning
_KIND_STEMS: tuple[tuple[str, str], ...] = (
    ("бпла", "drone"),
    ("бпак", "drone"),
    ("безпілотн", "drone"),
    ("дрон", "drone"),
    ("uav", "drone"),
    ("drone", "drone"),
    ("unmanned", "drone"),
    ("shahed", "drone"),
    ("ракет", "missile"),
    ("missile", "missile"),
    ("rocket", "missile"),
    ("авіабомб", "bomb"),
    ("бомб", "bomb"),
    ("bomb", "bomb"),
    ("боєприпас", "munition"),
    ("munition", "munition"),
)
_NOT_KIND = ("бомбардувальн", "bomber", "ракетоносі", "ракетоносц")
_TOTAL_WORDS = frozenset({"цілей", "цілі", "ціль", "цілями", "засобів", "засобами", "засоби", "засобу", "targets", "target", "weapons", "objects"})
_CLASS_STEMS: tuple[tuple[str, str], ...] = (
    ("аеробалістичн", "aeroballistic"),
    ("aeroballistic", "aeroballistic"),
    ("балістичн", "ballistic"),
    ("ballistic", "ballistic"),
    ("крилат", "cruise"),
    ("cruise", "cruise"),
    ("керован", "guided"),
    ("guided", "guided"),
    ("протикорабельн", "anti-ship"),
    ("anti-ship", "anti-ship"),
    ("зенітн", "surface-to-air"),
    ("surface-to-air", "surface-to-air"),
    ("гіперзвуков", "hypersonic"),
    ("hypersonic", "hypersonic"),
    ("протирадіолокаційн", "anti-radiation"),
    ("anti-radiation", "anti-radiation"),
    ("розвідувальн", "reconnaissance"),
    ("reconnaissance", "reconnaissance"),
    ("імітатор", "decoy"),
    ("decoy", "decoy"),
    ("баражуюч", "loitering"),
    ("loitering", "loitering"),
)
# words that may stand among a count's weapon words without changing what is counted
_FILLER_STEMS = (
    "ударн",
    "ворож",
    "російськ",
    "авіаційн",
    "повітрян",
    "нападу",
    "ппн",
    "морськ",
    "наземн",
    "реактивн",
    "різн",
    "тип",
    "модифікац",
    "інш",
    "додатков",
    "стратегічн",
    "літальн",
    "апарат",
    "russian",
    "enemy",
    "attack",
    "strike",
    "combat",
    "kamikaze",
    "long-range",
    "jet",
    "air-launched",
    "sea-launched",
    "ground-launched",
    "air",
    "aerial",
    "vehicle",
    "more",
    "other",
    "additional",
    "various",
    "type",
    "hostile",
    "incoming",
    "assault",
    "one-way",
    "shahed-type",
    "drones-decoys",
    "ще",
    "нових",
    "new",
)
_FILLER_WORDS = frozenset({"of", "the", "them", "these", "those", "its", "russia's", "-type", "-", '"'})
_CONNECTORS = frozenset({",", "and", "та", "і", "й", "or", "або", "/", "чи", "&", "а", "також"})
_TOKEN = re.compile(r"\s*(§\d+§|~?\d+|[^\W\d_][\w'-]*|\S)")


@dataclass
class Mention:
    """One count in the text with what it counts; `kind` is empty for a bare number (`208 локаційно втрачено`)."""

    start: int
    end: int
    count: int
    approx: str | None = None
    # drone | missile | bomb | munition | total | "" (bare)
    kind: str = ""
    klass: str = ""
    models: tuple[str, ...] = ()
    # `15 of 22 drones` → 22; `all but 19` → the count is what is left
    of_total: int | None = None
    all_but: bool = False
    parent: Mention | None = None
    headline: bool = False
    parts: list[Mention] = field(default_factory=list)

    @property
    def described(self) -> bool:
        """Whether the text says what this count counts."""
        return bool(self.kind)


@lru_cache(maxsize=4096)
def _classify(word: str) -> tuple[str, str, bool]:
    """(kind, class, filler) of one word."""
    return _kind_of(word), _stem_value(word, _CLASS_STEMS), _is_filler(word)


def _stem_value(word: str, table: tuple[tuple[str, str], ...]) -> str:
    for stem, value in table:
        if word.startswith(stem):
            return value
    return ""


def _kind_of(word: str) -> str:
    if word.startswith(_NOT_KIND):
        return ""
    if word in _TOTAL_WORDS:
        return "total"
    return _stem_value(word, _KIND_STEMS)


def _is_filler(word: str) -> bool:
    return word in _FILLER_WORDS or word.startswith(_FILLER_STEMS)


_OF_TOTAL = re.compile(r"\s+(?:of|з|із)\s+(?:the\s+)?(~?)(\d{1,6})(?![\w:.]|-\w)")
_NUMBER = re.compile(r"(?<![\w§:./-])(~?)(\d{1,6})(?![\w§]|[:.,]\d|-\w)")
_ALL_BUT = re.compile(r"(?:all\s+but|усі,?\s+крім|всі,?\s+крім)\s+$")
# `all of which were shot down`, `усі вони були збиті`: everything launched of the weapon named before
_ALL_OF = re.compile(r"(?<![\w'])(?:all\s+(?:of\s+(?:which|them|these|those)|were|was)|(?:усі|всі)(?:\s+(?:вони|з\s+них))?)(?![\w'])")


def find_mentions(tagged: Tagged, approx: dict[int, str]) -> list[Mention]:
    """Every count in `tagged.text` (lower case) with its weapon words, bare counts included."""
    text = tagged.text
    found: list[Mention] = []
    for m in _NUMBER.finditer(text):
        start = m.start()
        if found and start < found[-1].end:
            continue  # inside the previous mention (`15 of 22 drones`)
        mention = Mention(start=start, end=m.end(), count=int(m.group(2)))
        if m.group(1):
            mention.approx = approx.get(start, "~" + m.group(2))
        if _ALL_BUT.search(text[max(0, start - 12) : start]):
            mention.all_but = True
        _describe(mention, text, tagged.models)
        found.append(mention)
    for m in _ALL_OF.finditer(text):
        if not any(f.start <= m.start() < f.end for f in found):
            # `all of which` is the whole launched count: all but none
            found.append(Mention(start=m.start(), end=m.end(), count=0, all_but=True))
    found.sort(key=lambda f: f.start)
    _link_parts(found, text)
    return found


_UNCOUNTED_BULLET = re.compile(r"(?m)^- ([^\n]*)$")


def uncounted_weapons(tagged: Tagged) -> list[str]:
    """List lines (`- крилатими ракетами Калібр`) that name a weapon with no count."""
    out = []
    for m in _UNCOUNTED_BULLET.finditer(tagged.text):
        line = m.group(1)
        if re.search(r"\d", TAG.sub("", line)):
            continue
        words = re.findall(r"§\d+§|[^\W\d_][\w'-]*", lower(line))
        named = [w for w in words if TAG.fullmatch(w) or _classify(w)[0] not in {"", "total"}]
        if named:
            out.append(TAG.sub(lambda t: tagged.models[int(t.group(1))], line).strip(" ;,."))
    return out


def _describe(mention: Mention, text: str, models: tuple[str, ...]) -> None:
    """Read the weapon words after a count into `mention` (kind, class, models, extent)."""
    pos = mention.end
    kinds: list[str] = []
    klasses: list[str] = []
    found_models: list[str] = []
    noun_seen = False
    pending_end = pos
    # `15 of 22 drones`, `30 із 35 ракет`
    of = _OF_TOTAL.match(text, pos)
    if of:
        mention.of_total = int(of.group(2))
        pos = of.end()
        pending_end = pos
    steps = 0
    joined = False
    while steps < 40:
        steps += 1
        t = _TOKEN.match(text, pos)
        if not t:
            break
        token = t.group(1)
        nxt = t.end()
        if token[0].isdigit() or token[0] == "~":
            break
        if token == "(":
            bracket = _bracket(text, nxt, models)
            if bracket is None:
                break
            pos, inner_models, inner_classes = bracket
            found_models += inner_models
            klasses += inner_classes
            pending_end = pos
            continue
        tag = TAG.fullmatch(token)
        if tag:
            found_models.append(models[int(tag.group(1))])
            pos = nxt
            pending_end = pos
            continue
        if token in _CONNECTORS:
            # a connector belongs to the mention only if weapon words follow it
            pos = nxt
            joined = True
            continue
        after_connector, joined = joined, False
        kind, klass, filler = _classify(token)
        if kind:
            if kinds and kind != kinds[0] and kind != "total" and not (kinds[0] == "munition" or kind == "munition"):
                if not after_connector:
                    break
                # `231 drones and missiles`: one count of several kinds is a total
                kinds.append("total")
                pos = nxt
                pending_end = pos
                continue
            if kind == "total" and noun_seen:
                break
            kinds.append(kind)
            noun_seen = True
            if klass:
                klasses.append(klass)
            pos = nxt
            pending_end = pos
            continue
        if klass:
            klasses.append(klass)
            pos = nxt
            pending_end = pos
            continue
        if filler:
            pos = nxt
            if token not in {"of", "the", "-", '"', "."}:
                pending_end = pos
            continue
        break
    if not kinds and not found_models:
        return
    mention.end = pending_end
    kind = _main_kind(kinds, found_models)
    mention.kind = kind
    mention.klass = klasses[0] if klasses else ""
    mention.models = tuple(dict.fromkeys(found_models))


def _bracket(text: str, start: int, models: tuple[str, ...]) -> tuple[int, list[str], list[str]] | None:
    """Models and classes named in brackets (`(балістичні Іскандер-М та крилаті Х-101)`) and the end of them.

    None when the brackets hold counts (those are counts of their own, the detail of this one).
    """
    close = text.find(")", start)
    if close == -1:
        return None
    inner = text[start:close]
    if _DIGIT.search(TAG.sub("", inner)) or "\n" in inner:
        return None
    found = [models[int(tag)] for tag in TAG.findall(inner)]
    classes = [c for c in (_stem_value(w, _CLASS_STEMS) for w in _WORDS.findall(inner)) if c]
    return close + 1, found, classes


def _main_kind(kinds: list[str], models: list[str]) -> str:
    if "total" in kinds:
        return "total"
    if kinds and kinds[0] != "munition":
        return kinds[0]
    catalog = weapon_catalog()
    cats = {catalog.category(m) for m in models}
    for category in (WeaponCategory.DRONE, WeaponCategory.MISSILE, WeaponCategory.BOMB):
        if cats == {category}:
            return category.value
    return "drone" if kinds else "missile"


# what stands between a count and the counts that detail it
_PARTS_OPEN = re.compile(
    r"^[\s,:-]*(?:\(|(?:including|in particular|among them|зокрема|в тому числі|у тому числі|в т\.\s?ч\.|з них|серед них)(?![\w])[\s:,-]*)"
)
_PARTS_NEXT = re.compile(r"^[\s,;]*(?:(?:and|та|і|й|,|;)\s*)*$")


def _link_parts(found: list[Mention], text: str) -> None:
    """Counts in brackets or after `including` right after a weapon count detail that count."""
    parent: Mention | None = None
    inside_brackets = False
    for prev, cur in itertools.pairwise(found):
        gap = text[prev.end : cur.start]
        if (
            parent is not None
            and _PARTS_NEXT.match(gap)
            and not (inside_brackets and ")" in gap)
            and sum(p.count for p in parent.parts) + cur.count <= parent.count
        ):
            cur.parent = parent
            parent.parts.append(cur)
            continue
        parent = None
        opened = _PARTS_OPEN.match(gap)
        if opened and prev.described and prev.parent is None:
            parent = prev
            inside_brackets = "(" in opened.group(0)
            cur.parent = parent
            parent.parts.append(cur)
