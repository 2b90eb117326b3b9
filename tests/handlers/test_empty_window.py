"""An empty window months after the history ends: the latest report's date and a button to a window with data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.context import HandlerDeps, Message
from handlers.ingest import ingest_summary
from storage.sqlite import SqliteStore
from tests.handlers.chat import KYIV, SEED_NIGHT, Chat, text
from tests.handlers.drawer import Drawer

# 22:01 Kyiv time on 30 Nov 2026: long after the shipped history ends
LATER = datetime(2026, 11, 30, 20, 1, tzinfo=UTC)
SPRING = SEED_NIGHT | {
    "external_id": "spring-2026",
    "period_start": "2026-04-04T20:00:00+03:00",
    "period_end": "2026-04-05T06:00:00+03:00",
    "regions": ["Odesa"],
    "weapons": [{"model": "Shahed-136/131", "launched": 120, "destroyed": 100}],
}


@pytest.fixture
async def deps(store: SqliteStore) -> HandlerDeps:
    """The seed night (#1, Kyiv, Jul 2025) and a spring night (#2, Odesa, Apr 2026), read on 30 Nov 2026."""
    await ingest_summary(store, SEED_NIGHT, notify=False)
    await ingest_summary(store, SPRING, notify=False)
    return HandlerDeps(store=store, timezone=KYIV, now=lambda: LATER)


def _only_button(reply: list[Message]) -> tuple[str, str]:
    [message] = reply
    [button] = message.buttons
    return button.label, button.data


async def test_stats_default_window_names_the_latest_report_and_offers_365_days(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = await chat.send("stats")
    body = text(reply)
    assert "No reports in this period." in body
    assert "The latest report, #2, is from April 5, 2026." in body
    label, data = _only_button(reply)
    assert label == "/stats 365d"
    [pressed] = await chat.press(data)
    assert "last 365 days" in pressed.title and dict(pressed.fields)["Reports"] == "1"
    assert not pressed.buttons


async def test_stats_for_a_region_goes_to_all_time_when_a_year_is_not_enough(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = await chat.send("stats", "365d Kyiv")
    assert "The latest report, #1, is from July 4, 2025." in text(reply)
    label, data = _only_button(reply)
    assert label == "/stats all Kyiv"
    [pressed] = await chat.press(data)
    assert "all time" in pressed.title and "Kyiv" in pressed.title
    assert dict(pressed.fields)["Launched"] == "550 (539 drones, 11 missiles)"


async def test_top_and_chart_offer_their_own_smallest_window_with_data(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    top = await chat.send("top", "7d")
    assert "No reports in this period." in text(top) and "#2" in text(top)
    label, data = _only_button(top)
    assert label == "/top 365d"
    assert "120 launched" in text(await chat.press(data))
    deps.chart = Drawer()
    chart = await chat.send("chart", "30d")
    assert chart[0].image is None and "April 5, 2026" in text(chart)
    label, data = _only_button(chart)
    assert label == "/chart 365d"
    [drawn] = await chat.press(data)
    assert drawn.image is not None


async def test_chart_without_a_window_that_reaches_the_report_offers_the_report(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = await chat.send("chart", "Kyiv")
    assert "The latest report, #1, is from July 4, 2025." in text(reply)
    label, data = _only_button(reply)
    assert label == "/summary 1"
    [report] = await chat.press(data)
    assert report.launched == 550


async def test_ukrainian_empty_window(deps: HandlerDeps) -> None:
    reply = await Chat(deps, chat_id="9", locale="uk").send("stats", "7d")
    body = text(reply)
    assert "За цей період звітів немає." in body
    assert "Останній звіт — №2 від 5 квітня 2026\u202fр." in body
    assert "р.." not in body
    assert _only_button(reply)[0] == "/stats 365d"


async def test_an_empty_store_offers_nothing(store: SqliteStore) -> None:
    deps = HandlerDeps(store=store, timezone=KYIV, now=lambda: LATER)
    for command in ("stats", "top", "chart"):
        [reply] = await Chat(deps).send(command, "7d")
        assert reply.lines == ["No reports in this period."] and not reply.buttons, command


async def test_a_command_button_runs_only_read_only_commands_with_the_usual_checks(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    for forged in ("run:/broadcast hello", "run:/subscribe", "run:/retract 1", "run:"):
        reply = await chat.press(forged)
        assert "This button is no longer valid." in text(reply), forged
    assert await deps.store.get_subscription("telegram", "100") is None
    summary = await deps.store.get_summary(1)
    assert summary is not None and summary.status == "active"
    # a bad argument in a button still gets the command's usage
    assert "Usage: /stats" in text(await chat.press("run:/stats 3w"))
