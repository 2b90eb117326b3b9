"""/top: the largest attacks of a window, driven through handle() on a real SqliteStore."""

from __future__ import annotations

from typing import Any

from handlers.commands.base import build_args
from handlers.context import HandlerDeps
from handlers.ingest import ingest_summary
from handlers.router import command_spec
from tests.handlers.chat import SEED_NIGHT, Chat, text


def _night(key: str, start: str, end: str, drones: int, missiles: int = 0, regions: tuple[str, ...] = ()) -> dict[str, Any]:
    weapons: list[dict[str, Any]] = [{"model": "Shahed-136/131", "launched": drones, "destroyed": drones // 2}]
    if missiles:
        weapons.append({"model": "X-101/X-555", "launched": missiles, "destroyed": missiles})
    return {
        "external_id": key,
        "period_start": start,
        "period_end": end,
        "regions": list(regions),
        "weapons": weapons,
    }


async def _seed(deps: HandlerDeps) -> dict[str, int]:
    """The seed night (#1, 550 launched) and three others; returns ids by name."""
    ids = {"seed": (await ingest_summary(deps.store, SEED_NIGHT, notify=False)).id}
    nights = {
        # 60 days before NOW: outside 30d, inside 90d
        "spring": _night("spring", "2025-05-04T20:00:00+03:00", "2025-05-05T06:00:00+03:00", 700, 21, ("Odesa",)),
        # a daytime attack two days ago, in Odesa
        "day": _night("day", "2025-07-02T10:00:00+03:00", "2025-07-02T12:00:00+03:00", 40, 0, ("Odesa",)),
        # two years ago: only in all-time
        "old": _night("old", "2023-07-01T22:00:00+03:00", "2023-07-02T05:00:00+03:00", 900),
    }
    for name, body in nights.items():
        ids[name] = (await ingest_summary(deps.store, body, notify=False)).id
    return ids


async def test_all_time_ranks_by_launched_with_date_counts_rate_and_id(deps: HandlerDeps) -> None:
    ids = await _seed(deps)
    reply = (await Chat(deps).send("top"))[0]
    reply.lines = [line.replace("\u2009", " ") for line in reply.lines]  # babel's thin spaces around the dash
    assert reply.title == "Largest attacks: all time"
    assert len(reply.lines) == 4
    first, second, third, fourth = reply.lines
    assert first.startswith("1. Jul 1 – 2, 2023 · ")
    assert first.endswith(f"#{ids['old']}") and "900 launched (900 drones)" in first and "50.0%" in first
    assert second.startswith("2. May 4 – 5, 2025") and "721 launched (700 drones, 21 missiles)" in second
    assert second.endswith(f"#{ids['spring']}")
    # the seed night, in Kyiv time: the night of 3 to 4 July
    assert third == f"3. Jul 3 – 4, 2025 · 550 launched (539 drones, 11 missiles) · 478 neutralized (86.9%) · #{ids['seed']}"
    assert fourth.startswith("4. July 2, 2025 · 40 launched") and fourth.endswith(f"#{ids['day']}")
    assert reply.footer == "Details: /summary ID"


async def test_the_ids_open_with_summary(deps: HandlerDeps) -> None:
    ids = await _seed(deps)
    chat = Chat(deps)
    row = (await chat.send("top", "30d"))[0].lines[0]
    report_id = row.rsplit("#", 1)[1]
    assert report_id == str(ids["seed"])
    assert "550" in text(await chat.send("summary", report_id))


async def test_windows_and_region(deps: HandlerDeps) -> None:
    ids = await _seed(deps)
    chat = Chat(deps)
    week = (await chat.send("top", "7d"))[0]
    assert week.title == "Largest attacks: last 7 days"
    assert [line.rsplit("#", 1)[1] for line in week.lines] == [str(ids["seed"]), str(ids["day"])]
    quarter = (await chat.send("top", "90d"))[0]
    assert [line.rsplit("#", 1)[1] for line in quarter.lines] == [str(ids[k]) for k in ("spring", "seed", "day")]
    odesa = (await chat.send("top", "all Odesa"))[0]
    assert odesa.title == "Largest attacks: all time · Odesa oblast"
    assert [line.rsplit("#", 1)[1] for line in odesa.lines] == [str(ids["spring"]), str(ids["day"])]
    # a region alone means all time
    assert (await chat.send("top", "Одеса"))[0].lines == odesa.lines


async def test_at_most_ten_rows_and_retracted_reports_left_out(deps: HandlerDeps) -> None:
    for i in range(12):
        day = 10 + i
        await ingest_summary(
            deps.store,
            _night(f"n{i}", f"2025-06-{day}T22:00:00+03:00", f"2025-06-{day + 1}T05:00:00+03:00", 100 + i),
            notify=False,
        )
    rows = (await Chat(deps).send("top"))[0].lines
    assert len(rows) == 10 and "111 launched" in rows[0] and rows[-1].startswith("10. ")
    top = await deps.store.largest(1, since=None, until=None, region=None)
    await deps.store.retract(top[0].id)
    assert "111 launched" not in text(await Chat(deps).send("top"))


async def test_ukrainian_rows(deps: HandlerDeps) -> None:
    await _seed(deps)
    reply = (await Chat(deps, chat_id="9", locale="uk").send("top", "30d"))[0]
    assert reply.title == "Наймасованіші атаки за останні 30 днів"
    assert "запущено 550 (539 дронів, 11 ракет)" in reply.lines[0]
    assert "знешкоджено 478 (86,9" in reply.lines[0]
    assert "запущено 40 (40 дронів)" in reply.lines[1]


async def test_empty_window_and_bad_arguments(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    assert "No reports in this period." in text(await chat.send("top", "7d"))
    bad = text(await chat.send("top", "24h"))
    assert "Unknown period “24h”. Use one of: 7d, 30d, 90d, 365d, all." in bad and "Usage: /top" in bad
    assert "Name one region at a time." in text(await chat.send("top", "7d Odesa, Lviv"))
    assert "Unknown region" in text(await chat.send("top", "Atlantis"))


def test_discord_options_become_the_same_arguments() -> None:
    spec = command_spec("top")
    assert spec is not None
    assert [(a.name, a.kind.value, a.choices) for a in spec.args] == [
        ("period", "choice", ("7d", "30d", "90d", "365d", "all")),
        ("region", "region", ()),
    ]
    assert build_args(spec, {"period": "90d", "region": "Odesa oblast"}) == "90d Odesa oblast"
