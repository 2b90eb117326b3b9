"""Dataset import: the real file from seeds/, every kind of dirt the data card lists, idempotency."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import pytest

from handlers.context import HandlerDeps
from handlers.csv_import import CsvFormatError, import_csv
from handlers.seeding import load_seeds
from storage import open_store
from storage.protocol import Store
from tests.handlers.chat import KYIV, NOW, Chat, text
from tests.handlers.dataset import HEADER

SEED_SOURCE = "kpszsu/posts/pfbid0TJ48t6JpFUVLpYucUKi7hBAQmYqSptxNoiUJaA5VR7jiu2Em2ALSbSRTazrYH5wel"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(f"sqlite:///{tmp_path / 'c.db'}") as s:
        yield s


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "missile_attacks_daily.csv.gz"
    path.write_bytes(resources.files("seeds").joinpath("missile_attacks_daily.csv.gz").read_bytes())
    return path


async def seed_night(store: Store) -> object:
    found = [s for s in await store.latest(2000) if s.external_id == SEED_SOURCE]
    assert len(found) == 1
    return found[0]


async def test_real_dataset(store: Store, dataset: Path) -> None:
    report = await import_csv(store, dataset)
    assert (report.rows, report.summaries, report.created) == (3585, 1783, 1783)
    assert report.skipped == []
    assert await store.count_summaries() == 1783
    night = await seed_night(store)
    assert (night.launched, night.drones_launched, night.missiles_launched, night.neutralized) == (550, 539, 11, 478)  # type: ignore[attr-defined]
    assert (night.hit_locations, night.debris_locations, night.regions) == (8, 33, ("kyiv", "kyiv-city"))  # type: ignore[attr-defined]
    # the card's dirt shows up as warnings with line numbers, not crashes
    assert any("launched unknown" in msg for _, msg in report.warnings)
    assert any("kept as reported" in msg for _, msg in report.warnings)
    again = await import_csv(store, dataset)
    assert (again.created, again.revised, again.unchanged) == (0, 0, 1783)


async def test_seeds_give_one_richer_summary(store: Store, tmp_path: Path, dataset: Path) -> None:
    assert (await load_seeds(store)).loaded
    assert not (await load_seeds(store)).loaded  # only into an empty store
    night = await seed_night(store)
    assert night.injured == 23 and night.revision == 1 and "about 40 apartment buildings" in night.damage  # type: ignore[attr-defined]
    report = await import_csv(store, dataset)
    assert report.unchanged == 1783
    assert (await seed_night(store)).injured == 23  # type: ignore[attr-defined]


async def test_the_seed_night_does_not_look_corrected(store: Store) -> None:
    await load_seeds(store)
    night = await seed_night(store)
    deps = HandlerDeps(store=store, timezone=KYIV, now=lambda: NOW)
    body = text(await Chat(deps).send("summary", str(night.id)))  # type: ignore[attr-defined]
    assert "Night of Jul 3" in body and "about 40 apartment buildings" in body and "23 injured" in body
    assert "Corrected" not in body and "revision" not in body


def write_csv(tmp_path: Path, body: str, *, gz: bool = False) -> Path:
    path = tmp_path / ("d.csv.gz" if gz else "d.csv")
    data = (HEADER + body).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


async def test_every_kind_of_dirt(store: Store, tmp_path: Path) -> None:
    body = (
        # line 2-3: one report, one-digit hour, trailing spaces, floats, NaN literals
        "2023-05-16 3:30 ,2023-05-16 06:00  ,Shahed-136/131,,Ukraine,,36.0,29.0,,,{},,2.0,,,,,"
        "\"['Kyiv', 'Odesa oblast']\",\"{'south': NaN}\",,,r/posts/1\n"
        "2023-05-16 03:00,2023-05-16 05:00,Kalibr,,south,,,,,,,,,5.0,,,,,,,,r/posts/1\n"
        # line 4: empty destroyed; line 5: destroyed + not_reach_goal > launched
        "2023-05-17,2023-05-17,Iskander-M,,Kharkiv oblast,,4,,,,,,,,,,,,,,,r/posts/2\n"
        "2023-05-18 01:00,2023-05-18 04:00,Unknown UAV,,\"Dnipropetrovsk oblast, Dnipro Raion\",,16,20,6,,,,,,,,,,,,,r/posts/3\n"
        # line 6: unreadable time, line 7: no model, line 8: negative count
        "someday,2023-05-18 04:00,Kalibr,,,,1,,,,,,,,,,,,,,,r/posts/4\n"
        "2023-05-18 01:00,2023-05-18 04:00,,,,,1,,,,,,,,,,,,,,,r/posts/5\n"
        "2023-05-18 01:00,2023-05-18 04:00,Kalibr,,,,-2,,,,,,,,,,,,,,,r/posts/6\n"
    )
    report = await import_csv(store, write_csv(tmp_path, body))
    assert [line for line, _ in report.skipped] == [6, 7, 8]
    assert "someday" in report.skipped[0][1]
    warned = {line for line, _ in report.warnings}
    assert {3, 4, 5} <= warned
    assert report.summaries == 3
    by_id = {s.external_id: s for s in await store.latest(10)}
    first = by_id["r/posts/1"]
    assert (first.launched, first.destroyed, first.debris_locations, first.hit_locations) == (36, 29, 5, 2)
    assert first.regions == ("kyiv-city", "odesa", "south")
    assert first.period_start.hour == 0 and first.period_start.minute == 0  # 03:00 Kyiv = 00:00 UTC
    assert by_id["r/posts/3"].regions == ("dnipropetrovsk",)
    assert by_id["r/posts/3"].destroyed + by_id["r/posts/3"].suppressed == 26
    assert by_id["r/posts/2"].destroyed == 0


async def test_not_the_dataset_format(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CsvFormatError, match="missing column"):
        await import_csv(store, path)
    assert await store.count_summaries() == 0


async def test_overflowing_counts_are_skipped_rows(store: Store, tmp_path: Path) -> None:
    body = (
        "2023-05-16 03:00,2023-05-16 06:00,Shahed-136/131,,,,inf,,,,,,,,,,,,,,,r/posts/1\n"
        "2023-05-16 03:00,2023-05-16 06:00,Shahed-136/131,,,,10,1e400,,,,,,,,,,,,,,r/posts/2\n"
        "2023-05-16 03:00,2023-05-16 06:00,Shahed-136/131,,,,12,10,,,,,,,,,,,,,,r/posts/3\n"
    )
    report = await import_csv(store, write_csv(tmp_path, body))
    assert [line for line, _ in report.skipped] == [2, 3]
    assert "inf" in report.skipped[0][1] and "1e400" in report.skipped[1][1]
    assert [s.external_id for s in await store.latest(10)] == ["r/posts/3"]


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("d.csv.gz", b"this is not gzip at all", "gzip"),
        ("d.csv.gz", gzip.compress((HEADER + "2023-05-16,2023-05-16,Kalibr,,,,1,,,,,,,,,,,,,,,r/1\n").encode())[:-12], "gzip"),
        ("d.csv", (HEADER + "2023-05-16,2023-05-16,Kalibr,,,,1,,,,,,,,,,,,,,,\"" + "x" * 200_000 + "\"\n").encode(), "line 2"),
    ],
    ids=["not-gzip", "truncated-gzip", "huge-field"],
)
async def test_unreadable_files_are_format_errors(store: Store, tmp_path: Path, name: str, data: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CsvFormatError, match=needle) as info:
        await import_csv(store, path)
    assert "\n" not in str(info.value)
    assert await store.count_summaries() == 0
