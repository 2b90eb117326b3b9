"""A regular expression for a set of words, shaped as a prefix tree so that matching stays fast."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_END = ""


def trie_pattern(words: Iterable[str]) -> str:
    """A non-capturing pattern matching any of `words`, the longest first where several fit."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _emit(root) or "(?!)"


def _emit(node: dict[str, Any]) -> str:
    branches = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return f"(?:{body})?"
    return body
