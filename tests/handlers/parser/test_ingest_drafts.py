"""Every parsed draft is an ingest JSON object that live ingest accepts as it is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from handlers.ingest import parse_summary
from handlers.parser import parse_report

TEXTS = Path(__file__).parent / "texts"


@pytest.mark.parametrize("path", sorted(TEXTS.glob("*.txt")), ids=lambda p: p.name)
def test_every_draft_passes_live_ingest_validation(path: Path) -> None:
    result = parse_report(path.read_text(encoding="utf-8"), datetime(2025, 9, 12, 10, 0))
    summary = parse_summary(result.draft, live=True)
    assert summary.weapons and summary.period_end >= summary.period_start
    assert summary.launched == sum(w["launched"] for w in result.draft["weapons"])


def test_a_total_not_split_by_weapon_is_stored_as_such() -> None:
    text = "Russia launched 539 drones and 11 missiles overnight; air defense intercepted 478 Russian air weapons."
    summary = parse_summary(parse_report(text, datetime(2025, 7, 4, 10, 0)).draft, live=True)
    assert (summary.neutralized_unsplit, summary.unsplit) == (478, 478)
    assert all(w.destroyed == w.suppressed == 0 for w in summary.weapons)
