"""Number words (Ukrainian in every case, English) to digits, and approximate figures marked.

`двома` → `2`, `п'ятьма` → `5`, `двісті сорок` → `240`, `seven` → `7`,
`a dozen` → `12`, `twenty-five` → `25`. `almost 500`, `близько 40` become
`~500`, `~40`, and the phrase is kept so that a figure read from it can be
reported as approximate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from handlers.parser.text import lower
from handlers.parser.trie import trie_pattern

_UK_SMALL: dict[int, tuple[str, ...]] = {
    1: ("один", "одна", "одне", "одного", "однієї", "одному", "одній", "одним", "однією", "одною", "одними", "одних", "одну", "однім"),
    2: ("два", "дві", "двох", "двом", "двома", "двоє", "обидва", "обидві", "обох"),
    3: ("три", "трьох", "трьом", "трьома", "троє"),
    4: ("чотири", "чотирьох", "чотирьом", "чотирма", "четверо"),
    5: ("п'ять", "п'яти", "п'ятьох", "п'ятьом", "п'ятьма", "п'ятеро"),
    6: ("шість", "шести", "шістьох", "шістьом", "шістьма", "шестеро"),
    7: ("сім", "семи", "сімох", "сімом", "сьома", "сімома", "семеро"),
    8: ("вісім", "восьми", "вісьмох", "вісьмом", "вісьма", "вісьмома", "восьмеро"),
    9: ("дев'ять", "дев'яти", "дев'ятьох", "дев'ятьом", "дев'ятьма", "дев'ятеро"),
    10: ("десять", "десяти", "десятьох", "десятьом", "десятьма", "десятеро"),
    40: ("сорок", "сорока"),
    90: ("дев'яносто", "дев'яноста"),
    100: ("сто", "ста"),
    200: ("двісті", "двохсот", "двомстам", "двомастами"),
    300: ("триста", "трьохсот", "трьомстам", "трьомастами"),
    400: ("чотириста", "чотирьохсот", "чотирьомстам", "чотирмастами"),
    500: ("п'ятсот", "п'ятисот", "п'ятьомстам", "п'ятьмастами"),
    600: ("шістсот", "шестисот", "шістьомстам", "шістьмастами"),
    700: ("сімсот", "семисот", "сімомстам", "сімомастами"),
    800: ("вісімсот", "восьмисот", "вісьмомстам", "вісьмомастами"),
    900: ("дев'ятсот", "дев'ятисот", "дев'ятьомстам", "дев'ятьмастами"),
}
# numerals declined like `п'ять`: stem + ь / и / ьох / ьом / ьма
_UK_DECLINED: dict[int, tuple[str, ...]] = {
    11: ("одинадцят",),
    12: ("дванадцят",),
    13: ("тринадцят",),
    14: ("чотирнадцят",),
    15: ("п'ятнадцят",),
    16: ("шістнадцят",),
    17: ("сімнадцят",),
    18: ("вісімнадцят",),
    19: ("дев'ятнадцят",),
    20: ("двадцят",),
    30: ("тридцят",),
    50: ("п'ятдесят", "п'ятидесят"),
    60: ("шістдесят", "шістидесят", "шестидесят"),
    70: ("сімдесят", "семидесят"),
    80: ("вісімдесят", "восьмидесят"),
}
_EN: dict[int, tuple[str, ...]] = {
    0: ("zero",),
    1: ("one",),
    2: ("two", "both"),
    3: ("three",),
    4: ("four",),
    5: ("five",),
    6: ("six",),
    7: ("seven",),
    8: ("eight",),
    9: ("nine",),
    10: ("ten",),
    11: ("eleven",),
    12: ("twelve",),
    13: ("thirteen",),
    14: ("fourteen",),
    15: ("fifteen",),
    16: ("sixteen",),
    17: ("seventeen",),
    18: ("eighteen",),
    19: ("nineteen",),
    20: ("twenty",),
    30: ("thirty",),
    40: ("forty",),
    50: ("fifty",),
    60: ("sixty",),
    70: ("seventy",),
    80: ("eighty",),
    90: ("ninety",),
}
# words that multiply what stands before them (nothing before = one)
_SCALES: dict[str, int] = {
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "тисяча": 1000,
    "тисячі": 1000,
    "тисяч": 1000,
    "тисячу": 1000,
    "тисячею": 1000,
    "тисячами": 1000,
}
_APPROX_WORDS = (
    "almost",
    "nearly",
    "about",
    "around",
    "roughly",
    "approximately",
    "some",
    "over",
    "more than",
    "at least",
    "close to",
    "up to",
    "an estimated",
    "майже",
    "близько",
    "приблизно",
    "орієнтовно",
    "понад",
    "більше ніж",
    "більш ніж",
    "більш як",
    "щонайменше",
    "принаймні",
)


@cache
def _word_values() -> dict[str, int]:
    values: dict[str, int] = {}
    for table in (_UK_SMALL, _EN):
        for value, words in table.items():
            for w in words:
                values[w] = value
    for value, stems in _UK_DECLINED.items():
        for stem in stems:
            for ending in ("ь", "и", "ьох", "ьом", "ьма"):
                values[stem + ending] = value
    return values


@cache
def _run_pattern() -> re.Pattern[str]:
    word = trie_pattern([*_word_values(), *_SCALES])
    return re.compile(
        rf"(?<![\w'])(?:a\s+(?=(?:hundred|thousand|dozen)\b))?(?:{word})(?:(?:\s+and\s+|\s+|-)(?:{word}))*(?![\w'])"
    )


@cache
def _approx_pattern() -> re.Pattern[str]:
    words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_APPROX_WORDS, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])({words})\s+(\d+)(?![\d:])", re.IGNORECASE)


# an English `one` that is not a count
_NOT_A_COUNT = re.compile(r"(?i)(?:\b(?:no|any|every|some|the|this|that|each)\s+$)")
_NOT_A_COUNT_AFTER = re.compile(r"(?i)^\s*(?:another|day|of\s+the\s+(?:most|largest|biggest|deadliest))\b")


def _value(run: str) -> list[int]:
    """The numbers a run of number words says: usually one, more when they do not combine."""
    values = _word_values()
    tokens = [t for t in re.split(r"[\s-]+", run.lower()) if t and t not in {"and", "a"}]
    out: list[int] = []
    total, group = 0, 0
    started = False
    for token in tokens:
        if token in _SCALES:
            scale = _SCALES[token]
            if scale == 1000:
                total += max(group, 1) * 1000
                group = 0
            else:
                group = max(group, 1) * scale
            started = True
            continue
        v = values[token]
        trailing = len(str(group)) - len(str(group).rstrip("0")) if group else 0
        if started and not (group and v < 10**trailing) and not (total and not group and v < 1000):
            out.append(total + group)
            total, group = 0, 0
        group += v
        started = True
    out.append(total + group)
    return out


@dataclass
class Numbered:
    """A text with its number words written as digits and its approximate figures marked `~N`."""

    text: str
    # position of a `~` → the phrase it stands for (`almost 500`)
    approx: dict[int, str] = field(default_factory=dict)


def words_to_digits(text: str) -> Numbered:
    """Write number words as digits and mark approximate figures (`almost 500` → `~500`)."""
    pieces: list[str] = []
    last = 0
    # matched in lower case, replaced at the same positions in the text as written
    for m in _run_pattern().finditer(lower(text)):
        run = m.group(0)
        if run.lower() == "one" and (
            _NOT_A_COUNT.search(text[max(0, m.start() - 12) : m.start()]) or _NOT_A_COUNT_AFTER.match(text[m.end() :])
        ):
            continue
        pieces.append(text[last : m.start()])
        pieces.append(" ".join(str(v) for v in _value(run)))
        last = m.end()
    pieces.append(text[last:])
    digits = "".join(pieces)
    out: list[str] = []
    approx: dict[int, str] = {}
    last = 0
    length = 0
    for m in _approx_pattern().finditer(digits):
        out.append(digits[last : m.start()])
        length += m.start() - last
        approx[length] = " ".join(m.group(0).split())
        marked = "~" + m.group(2)
        out.append(marked)
        length += len(marked)
        last = m.end()
    out.append(digits[last:])
    return Numbered("".join(out), approx)
