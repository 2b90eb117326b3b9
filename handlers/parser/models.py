"""Model names tagged out of a text: each catalog name or alias becomes `§i§`.

Done before anything else reads the text, so that digits inside a model name
(`Х-101`, `Shahed-136/131`) are never taken for counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from handlers.parser.text import lower
from handlers.parser.trie import trie_pattern
from storage.catalog import weapon_catalog

# catalog entries that name a class of weapon, not a model: the parser reads those words itself
_GENERIC = frozenset(
    {
        "unknown uav",
        "reconnaissance uav",
        "decoy uav",
        "ballistic missile",
        "intercontinental ballistic missile",
        "cruise missile",
        "unknown missile",
        "aerial bomb",
    }
)
# case endings a model name may carry in running text (`Калібрами`, `Kh-101s`)
_SUFFIX = r"(?:s|а|и|ів|ами|ом|у|і|ах|ям|ями)?"
TAG = re.compile(r"§(\d+)§")


@dataclass(frozen=True)
class Tagged:
    """A text with model names replaced by `§i§`, and the catalog model of each tag."""

    text: str
    models: tuple[str, ...]


@cache
def _model_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    names = {k: v for k, v in weapon_catalog().names().items() if k not in _GENERIC and len(k) >= 3}
    pattern = re.compile(rf"(?<![\w-])({trie_pattern(names)}){_SUFFIX}(?!\w)")
    return pattern, names


def tag_models(text: str) -> Tagged:
    """Replace every model name or alias with a tag naming its catalog model (case is kept elsewhere)."""
    pattern, names = _model_pattern()
    models: list[str] = []
    pieces: list[str] = []
    last = 0
    for m in pattern.finditer(lower(text)):
        model = names[m.group(1)]
        if model not in models:
            models.append(model)
        pieces.append(text[last : m.start()])
        pieces.append(f"§{models.index(model)}§")
        last = m.end()
    pieces.append(text[last:])
    return Tagged("".join(pieces), tuple(models))
