"""Dates carry the year whenever it is not the current one, "current" being the injected clock's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.context import HandlerDeps
from handlers.ingest import ingest_summary
from handlers.render import render_alert
from storage.sqlite import SqliteStore
from tests.handlers.chat import KYIV, SEED_NIGHT, Chat, text
from tests.handlers.drawer import Drawer

# 22:01 Kyiv time on 30 Nov 2026
LATER = datetime(2026, 11, 30, 20, 1, tzinfo=UTC)
DASH = "\u2009–\u2009"
OLD = SEED_NIGHT | {
    "external_id": "old",
    "period_start": "2025-12-13T18:00:00+02:00",
    "period_end": "2025-12-14T06:00:00+02:00",
}
RECENT = SEED_NIGHT | {
    "external_id": "recent",
    "period_start": "2026-11-28T18:00:00+02:00",
    "period_end": "2026-11-29T06:00:00+02:00",
}


@pytest.fixture
async def deps(store: SqliteStore) -> HandlerDeps:
    """#1 a year-old night (Dec 13 – 14, 2025) and #2 a recent one (Nov 28 – 29, 2026), read on 30 Nov 2026."""
    await ingest_summary(store, OLD, notify=False)
    await ingest_summary(store, RECENT, notify=False)
    return HandlerDeps(store=store, timezone=KYIV, now=lambda: LATER)


async def test_latest_shows_the_year_of_last_years_report_only(deps: HandlerDeps) -> None:
    rows = (await Chat(deps).send("latest"))[0].lines
    assert rows[0].startswith(f"#2 · Nov 28{DASH}29 · ")
    assert rows[1].startswith(f"#1 · Dec 13{DASH}14, 2025 · ")
    uk = (await Chat(deps, chat_id="9", locale="uk").send("latest"))[0].lines
    assert "13–14 груд. 2025" in uk[1] and "2026" not in uk[0]


async def test_summary_period_line_has_the_year_when_it_is_not_this_one(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    assert "From Dec 13, 2025 18:00 to Dec 14, 2025 06:00" in text(await chat.send("summary", "1"))
    assert "From Nov 28 18:00 to Nov 29 06:00" in text(await chat.send("summary", "2"))


async def test_an_alert_rendered_for_today_keeps_its_short_period_line(deps: HandlerDeps) -> None:
    old = await deps.store.get_summary(1)
    assert old is not None
    # pushed as it arrives (no clock given): the report's own year is the current one
    assert "From Dec 13 18:00 to Dec 14 06:00" in text([render_alert(old, "en", KYIV)])
    assert "From Dec 13, 2025 18:00" in text([render_alert(old, "en", KYIV, now=LATER)])


async def test_stats_since_has_the_year_and_no_nested_brackets(deps: HandlerDeps) -> None:
    year = (await Chat(deps).send("stats", "365d"))[0]
    assert year.footer == "Since Nov 30, 2025 22:01, Europe/Kyiv time"
    month = (await Chat(deps).send("stats"))[0]
    assert month.footer == "Since Oct 31 22:01, Europe/Kyiv time"


async def test_settings_and_mute_show_the_year_across_new_year(store: SqliteStore) -> None:
    eve = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # 20:00 Kyiv time on New Year's Eve
    deps = HandlerDeps(store=store, timezone=KYIV, now=lambda: eve)
    chat = Chat(deps)
    await chat.send("subscribe")
    assert "Alerts muted until Jan 2, 2027 20:00" in text(await chat.send("mute", "2d"))
    assert "Jan 2, 2027 20:00" in text(await chat.send("settings"))
    assert "Dec 31 22:00" in text(await chat.send("mute", "2h"))


async def test_chart_labels_and_title_carry_the_year_of_last_years_days(deps: HandlerDeps) -> None:
    drawer = Drawer()
    deps.chart = drawer
    await Chat(deps).send("chart", "365d")
    [spec] = drawer.specs
    assert spec.days[0] == "Dec 1, 2025" and spec.days[-1] == "Nov 30"
    assert spec.title.endswith(f"Dec 1, 2025{DASH}Nov 30, 2026")
    [month] = await Chat(deps).send("chart", "30d")
    assert drawer.specs[-1].title.endswith(f"Nov 1{DASH}30") and month.image is not None
    deps.chart = None
    table = (await Chat(deps).send("chart", "365d"))[0].lines
    assert table[2:] == [
        "Nov 29: 550 (539 drones, 11 missiles) launched, 478 neutralized",
        "Dec 14, 2025: 550 (539 drones, 11 missiles) launched, 478 neutralized",
    ]
