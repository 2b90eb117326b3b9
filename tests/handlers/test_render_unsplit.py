"""Alerts and stats for a report that gives neutralized figures with no shot-down / suppressed split."""

from __future__ import annotations

from typing import Any

from handlers.ingest import IngestError, ingest_summary, parse_summary
from handlers.render import render_alert
from handlers.serialize import stats_to_dict
from storage.sqlite import SqliteStore
from tests.handlers.chat import KYIV, text

UNSPLIT: dict[str, Any] = {
    "external_id": "kpszsu/unsplit",
    "period_start": "2025-07-02T18:00:00+03:00",
    "period_end": "2025-07-03T08:30:00+03:00",
    "weapons": [
        {"model": "Shahed-136/131", "launched": 137, "neutralized_unsplit": 129},
        {"model": "Iskander-M", "launched": 2},
    ],
}


async def test_alert_shows_the_neutralized_total_without_a_made_up_split() -> None:
    async with SqliteStore(":memory:") as store:
        outcome = await ingest_summary(store, UNSPLIT, notify=False)
        summary = await store.get_summary(outcome.id)
        stats = await store.stats(since=None, until=None, region=None)
    assert summary is not None
    msg = render_alert(summary, "en", KYIV)
    assert dict(msg.fields)["Neutralized"] == "129 (92.8%)"
    assert "Shahed-136/131: 137 launched, 129 neutralized" in text([msg])
    assert dict(render_alert(summary, "uk", KYIV).fields)["Знешкоджено"] == "129 (92,8%)"
    body = stats_to_dict(stats)
    assert (body["neutralized"], body["destroyed"], body["suppressed"]) == (129, 0, 0)
    assert "unsplit" not in body


async def test_a_total_with_no_weapons_is_still_shown() -> None:
    payload = dict(UNSPLIT, external_id="kpszsu/total", weapons=[], neutralized_unsplit=40)
    async with SqliteStore(":memory:") as store:
        outcome = await ingest_summary(store, payload, notify=False)
        summary = await store.get_summary(outcome.id)
    assert summary is not None and summary.neutralized == 40
    assert dict(render_alert(summary, "en", KYIV).fields)["Neutralized"] == "40"


def test_live_ingest_refuses_more_neutralized_than_launched() -> None:
    bad = dict(UNSPLIT, weapons=[{"model": "Shahed-136/131", "launched": 10, "destroyed": 5, "neutralized_unsplit": 6}])
    try:
        parse_summary(bad, live=True)
    except IngestError as exc:
        assert exc.errors == [
            {"loc": "weapons.0", "msg": "destroyed + suppressed + neutralized_unsplit (11) exceeds launched (10)"}
        ]
    else:
        raise AssertionError("accepted")
    assert parse_summary(bad, live=False).weapons[0].neutralized == 11
