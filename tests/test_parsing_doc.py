"""docs/parsing.md: each example text still reads to the JSON printed under it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from handlers.parser import parse_report

DOC = Path(__file__).parents[1] / "docs" / "parsing.md"
# the --published the page says the examples were read with
PUBLISHED = datetime(2025, 10, 9, 9, 15)
_EXAMPLE = re.compile(r"```text\n(.*?)\n```\s*```json\n(.*?)\n```", re.S)


def test_every_example_reads_to_the_json_shown() -> None:
    examples = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    assert len(examples) == 3
    for text, shown in examples:
        assert parse_report(text + "\n", PUBLISHED).draft == json.loads(shown), text[:60]


def test_the_warnings_shown_are_the_ones_given() -> None:
    doc = DOC.read_text(encoding="utf-8")
    english = _EXAMPLE.findall(doc)[1][0]
    warnings = [f"warning: {w}" for w in parse_report(english + "\n", PUBLISHED).warnings]
    for line in warnings:
        assert line in doc
