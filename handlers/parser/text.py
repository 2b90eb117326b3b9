"""Text normalisation and sentence spans for report parsing.

Posts arrive with emoji, hashtags, links, no-break spaces, typographic
quotes and dashes, `08.00` times, ordinal suffixes (`181-м`) and missing
spaces (`на11`). `normalise` gives one spelling of all of these and keeps
every line break, so lines keep their numbers through later rewrites.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

_LINK = re.compile(r"https?://\S+|\bt\.me/\S+|@\w{3,}")
_HASHTAG = re.compile(r"#[\w'-]+")
# a digit group after a no-break or thin space is a thousands separator: `1 200`
_GROUPED_DIGITS = re.compile(r"(?<=\d)[\u00a0\u2007\u202f\u2009\u200a](?=\d{3}(?!\d))")
# `1,200` in English, `1 200` typed with a plain space in Ukrainian
_COMMA_GROUP = re.compile(r"(\d),(?=\d{3}(?!\d))")
_SPACE_GROUP = re.compile(r"\d{1,3}(?: \d{3})+")
_MONTH_AFTER = re.compile(r"\s*(?:січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня)\b")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f\u20e3]")
_ODD_SPACE = "\t\u00a0\u2002-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f"[{_ODD_SPACE}][ {_ODD_SPACE}]*| [ {_ODD_SPACE}]+")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\u2022\u25cf\u2023\u2043\u204c\u204d]"
)
_LEADING_SIGN = re.compile(r"(?m)^[ \t]*(?:[-*][ \t]*)?(?:\uFFFC[ \t]*)+")
_LINE_EDGES = re.compile(r" *\n *")
_QUOTE_MARKS = "«»“”„‟″〝〞"
_APOSTROPHES = "’‘ʼ`′ʹ‛"
_DASH_MARKS = "‐‑‒–—―−⁃"
_ODD_MARK = re.compile(f"[{_QUOTE_MARKS}{_APOSTROPHES}{_DASH_MARKS}]")
# `о 08.00` → `о 08:00` (only after a word that introduces a time, so dates stay dates)
_DOTTED_TIME = re.compile(r"(?<![\d.])([01]?\d|2[0-3])\.([0-5]\d)(?!\d|\.\d)")
_TIME_WORD = re.compile(r"(?i)(?:^|\s)(?:о|об|на|з|із|до|at|from|until|till|by|of|since)\s+$")
_ORDINAL = re.compile(r"(?i)(\d)-(?:ма|ми|му|мі|м|ій|ий|го|ої|ою|х|ти|ть|ом)(?![\w'])")
_LETTER_DIGIT = re.compile(r"([а-щьюяіїєґ'])(\d)")
_DIGIT_LETTER = re.compile(r"(\d)([а-щьюяіїєґ]{3,})")


def normalise(text: str) -> str:
    """One spelling of spaces, quotes, dashes and times; no emoji, links or hashtags; line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _ODD_MARK.sub(_plain_mark, text)
    text = _GROUPED_DIGITS.sub("", text)
    text = _LINK.sub(" ", text)
    text = _HASHTAG.sub(" ", text)
    # an emoji or bullet sign at a line's start is a list bullet; elsewhere it is noise
    text = _EMOJI.sub("\ufffc", text)
    if "\ufffc" in text:
        text = _LEADING_SIGN.sub("- ", text).replace("\ufffc", " ")
    text = _LINE_EDGES.sub("\n", _SPACES.sub(" ", text)).strip(" ")
    text = _COMMA_GROUP.sub(r"\1", text)
    text = _SPACE_GROUP.sub(_joined_group, text)
    text = _DOTTED_TIME.sub(_dotted_time, text)
    text = _ORDINAL.sub(r"\1", text)
    text = _LETTER_DIGIT.sub(r"\1 \2", text)
    text = _DIGIT_LETTER.sub(r"\1 \2", text)
    return text


def _plain_mark(m: re.Match[str]) -> str:
    ch = m.group(0)
    return '"' if ch in _QUOTE_MARKS else "'" if ch in _APOSTROPHES else "-"


def _joined_group(m: re.Match[str]) -> str:
    """`1 200` → `1200`, unless the digits are a time, a list (`3, 129`) or a day before its month."""
    s, e = m.start(), m.end()
    text = m.string
    if (s and text[s - 1] in "0123456789:.,") or (e < len(text) and text[e] in "0123456789:.,") or _MONTH_AFTER.match(text, e):
        return m.group(0)
    return m.group(0).replace(" ", "")


def _dotted_time(m: re.Match[str]) -> str:
    """`о 08.00` → `о 08:00`: only after a word that introduces a time, so dates stay dates."""
    if _TIME_WORD.search(m.string, max(0, m.start() - 12), m.start()):
        return f"{m.group(1)}:{m.group(2)}"
    return m.group(0)


def lower(text: str) -> str:
    """Lower case that keeps every character's position (no `ß` → `ss` growth)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# words after which a full stop does not end the sentence
_ABBREVIATIONS = frozenset({"т.ч", "т.д", "т.п", "м", "вул", "ім", "ст", "с", "u.s", "mr", "mrs", "dr", "st", "a.m", "p.m", "etc"})
# a line ending in one of these goes on on the next line
_JOINERS = frozenset(
    {"та", "і", "й", "з", "із", "на", "у", "в", "до", "по", "типу", "and", "or", "of", "the", "a", "with", "from", "to", "in"}
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s)")


@dataclass(frozen=True)
class Sentences:
    """Sentence boundaries of a text: bullet lists and wrapped lines stay inside their sentence."""

    starts: tuple[int, ...]

    def index(self, pos: int) -> int:
        """The number of the sentence holding character `pos`."""
        return bisect.bisect_right(self.starts, pos) - 1

    def span(self, number: int, length: int) -> tuple[int, int]:
        """Start and end of one sentence in a text of `length` characters."""
        end = self.starts[number + 1] if number + 1 < len(self.starts) else length
        return self.starts[number], end


def sentences(text: str) -> Sentences:
    """Split `text` (normalised, case kept) into sentences."""
    starts = [0]
    for m in _SENTENCE_END.finditer(text):
        i = m.start()
        while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "._"):
            i -= 1
        before = text[i : m.start()].lower()
        after = text[m.end() :].lstrip(" ")
        if before in _ABBREVIATIONS or (before.endswith(".") and before.rstrip(".") in _ABBREVIATIONS):
            continue
        if not after or after[0] == "\n" or after[0].isupper() or after[0].isdigit() or after[0] in "\"-(":
            starts.append(m.end())
    pos = 0
    lines = text.split("\n")
    for line, following in itertools.pairwise(lines):
        pos += len(line) + 1
        if _breaks_after(line, following):
            starts.append(pos)
    return Sentences(tuple(sorted(set(starts))))


def _breaks_after(line: str, following: str) -> bool:
    """Whether a line break after `line` ends a sentence, given the line that follows."""
    prev = line.rstrip()
    nxt = following.lstrip()
    if not prev:
        return not (nxt.startswith("-") or nxt[:1].isdigit())
    if prev[-1] in ".!?":
        return True
    if prev[-1] in ":;,-(":
        return False
    if not nxt or nxt.startswith("-"):
        return not nxt
    last_word = prev.rsplit(" ", 1)[-1].lower()
    if last_word in _JOINERS or last_word.isdigit():
        return False
    first_word = nxt.split(" ", 1)[0]
    # an acronym (`БпЛА`, `ППО`) on a wrapped line does not start a sentence
    if any(c.isupper() for c in first_word[1:]):
        return False
    return nxt[0].isupper() or nxt[0] == '"'
