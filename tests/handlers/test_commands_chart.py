"""/chart through handle(): the picture when a drawer is wired, the table when not, bad input."""

from __future__ import annotations

from datetime import timedelta

from handlers.charts_spec import SeriesKind
from handlers.commands.chart import chart_window
from handlers.context import ChatKind, HandlerDeps
from handlers.ingest import ingest_summary
from handlers.router import COMMANDS
from tests.handlers.chat import KYIV, NOW, SEED_NIGHT, Chat, text
from tests.handlers.drawer import Drawer


async def _seed(deps: HandlerDeps) -> None:
    """The seed night (Jul 4), a smaller night in Odesa (Jun 21) and one just after local midnight."""
    await ingest_summary(deps.store, SEED_NIGHT, notify=False)
    odesa = SEED_NIGHT | {
        "external_id": "odesa",
        "period_start": "2025-06-20T18:00:00+03:00",
        "period_end": "2025-06-21T06:00:00+03:00",
        "regions": ["Odesa"],
        "weapons": [{"model": "Shahed-136/131", "launched": 100, "destroyed": 90}],
    }
    # 23:30 UTC on Jul 1 is 02:30 on Jul 2 in Kyiv: the bar belongs to Jul 2
    late = SEED_NIGHT | {
        "external_id": "late",
        "period_start": "2025-07-01T21:00:00+00:00",
        "period_end": "2025-07-01T23:30:00+00:00",
        "regions": ["Kharkiv oblast"],
        "weapons": [{"model": "Kalibr", "launched": 7, "destroyed": 6}],
    }
    for payload in (odesa, late):
        await ingest_summary(deps.store, payload, notify=False)


async def test_chart_is_drawn_with_zero_days_and_local_days(deps: HandlerDeps) -> None:
    await _seed(deps)
    drawer = Drawer()
    deps.chart = drawer
    [reply] = await Chat(deps).send("chart")
    assert reply.image is not None and reply.image.data.startswith(b"\x89PNG")
    assert reply.title == "Launches per day: last 30 days"
    [spec] = drawer.specs
    assert len(spec.days) == 30 and spec.days[-1] == "Jul 4" and spec.days[0] == "Jun 5"
    drones, missiles, neutralized = spec.series
    assert (drones.label, missiles.label, neutralized.label) == ("Drones", "Missiles", "Neutralized")
    assert neutralized.kind == SeriesKind.LINE and drones.kind == SeriesKind.BAR
    assert drones.values[-1] == 539 and missiles.values[-1] == 11 and neutralized.values[-1] == 478
    assert missiles.values[spec.days.index("Jul 2")] == 7 and missiles.values[spec.days.index("Jul 1")] == 0
    assert drones.values[spec.days.index("Jun 21")] == 100
    # days without reports are there, as zeros
    assert sum(1 for v in drones.values if v == 0) == 28
    assert spec.x_label == "Day (Europe/Kyiv)" and spec.y_label


async def test_caption_totals_equal_stats_over_the_same_window(deps: HandlerDeps) -> None:
    await _seed(deps)
    deps.chart = Drawer()
    for window, days in (("7d", 7), ("30d", 30)):
        [reply] = await Chat(deps).send("chart", window)
        span = chart_window(NOW, KYIV, days)
        stats = await deps.store.stats(since=span.since, until=span.until, region=None)
        caption = reply.lines[0]
        assert f"Launched {stats.launched:,} ({stats.drones_launched} drones, {stats.missiles_launched} missiles)" in caption
        assert f"neutralized {stats.neutralized}" in caption and f"reports: {stats.summaries}" in caption
    [week] = await Chat(deps).send("chart", "7d")
    assert week.lines == ["Launched 557 (539 drones, 18 missiles); neutralized 484 (86.9%); reports: 2"]


async def test_without_a_drawer_the_answer_is_a_table(deps: HandlerDeps) -> None:
    await _seed(deps)
    [reply] = await Chat(deps).send("chart", "90d")
    assert reply.image is None
    assert reply.lines[0].startswith("Launched 657 (639 drones, 18 missiles)")
    assert reply.lines[2:] == [
        "Jul 4: 550 (539 drones, 11 missiles) launched, 478 neutralized",
        "Jul 2: 7 (7 missiles) launched, 6 neutralized",
        "Jun 21: 100 (100 drones) launched, 90 neutralized",
    ]
    assert "Apr 6" in reply.footer and "Europe/Kyiv" in reply.footer


async def test_a_failing_drawer_still_gives_the_figures(deps: HandlerDeps) -> None:
    await _seed(deps)
    deps.chart = Drawer(fail=True)
    [reply] = await Chat(deps).send("chart", "7d")
    assert reply.image is None and "Jul 4: 550" in text([reply])


async def test_region_filter_and_ukrainian_labels(deps: HandlerDeps) -> None:
    await _seed(deps)
    drawer = Drawer()
    deps.chart = drawer
    [reply] = await Chat(deps, chat_id="9", locale="uk").send("chart", "30d Одеса")
    assert reply.title == "Щоденні запуски за останні 30 днів · Одеська область"
    assert reply.lines == ["Запущено 100 (100 дронів); знешкоджено 90 (90,0%); звітів: 1"]
    [spec] = drawer.specs
    assert [s.label for s in spec.series] == ["Дрони", "Ракети", "Знешкоджено"]
    assert spec.x_label == "Дата (Europe/Kyiv)" and spec.days[-1].startswith("4 лип")
    assert sum(spec.series[0].values) == 100


async def test_empty_window_says_so_without_drawing(deps: HandlerDeps) -> None:
    drawer = Drawer()
    deps.chart = drawer
    [reply] = await Chat(deps).send("chart", "365d")
    assert reply.image is None and reply.lines == ["No reports in this period."]
    assert drawer.specs == []


async def test_bad_window_gets_usage_and_unknown_region_suggestions(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    for bad in ("2w", "24h", "all"):
        reply = text(await chat.send("chart", bad))
        assert f"Unknown period “{bad}”. Use one of: 7d, 30d, 90d, 365d." in reply
        assert "Usage: /chart [7d|30d|90d|365d] [region]" in reply
    unknown = text(await chat.send("chart", "7d Odesaa"))
    assert "Unknown region “Odesaa”. Did you mean: Odesa oblast" in unknown
    assert "one region at a time" in text(await chat.send("chart", "Kyiv Odesa"))


async def test_chart_is_offered_to_everyone(deps: HandlerDeps) -> None:
    spec = next(s for s in COMMANDS if s.name == "chart")
    assert spec.access == "everyone" and spec.args[0].choices == ("7d", "30d", "90d", "365d")
    member_help = text(await Chat(deps, chat_id="-5", kind=ChatKind.GROUP).send("help"))
    assert "/chart [7d|30d|90d|365d] [region] — Launches per day as a chart" in member_help


def test_window_is_whole_local_days_until_now() -> None:
    span = chart_window(NOW, KYIV, 7)
    assert span.until == NOW and len(span.days) == 7
    assert span.since.astimezone(KYIV).hour == 0 and span.since.astimezone(KYIV).date() == span.days[0]
    assert span.until - span.since < timedelta(days=7)
