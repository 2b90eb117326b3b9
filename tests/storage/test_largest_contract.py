"""Store.largest (/top): the biggest active attacks of a window, in a stable order, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Store, ranking
from tests.storage.helpers import draft

DAY = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


async def _night(store: Store, key: str, drones: int, days: int, regions: tuple[str, ...] = (), missiles: int = 0) -> int:
    outcome = await store.ingest(
        draft(external_id=key, drones=drones, missiles=missiles, destroyed=0, suppressed=0,
              end=DAY + timedelta(days=days), regions=regions),
        notify=False,
    )
    return outcome.id


@pytest.fixture(params=["chosen", "by size", "by time"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every answer must be the same whichever index the store reads."""
    if request.param != "chosen":
        by_size = request.param == "by size"
        monkeypatch.setattr(ranking, "read_by_size", lambda n, in_window, total: by_size)
    return str(request.param)


async def test_most_launched_first_ties_by_id_and_at_most_n(store: Store, plan: str) -> None:
    small = await _night(store, "a", 50, 0)
    big = await _night(store, "b", 500, 1, missiles=20)
    tie_first = await _night(store, "c", 300, 2)
    tie_second = await _night(store, "d", 300, 3)
    top = await store.largest(10, since=None, until=None, region=None)
    assert [s.id for s in top] == [big, tie_first, tie_second, small]
    assert top[0].launched == 520 and top[0].missiles_launched == 20
    two = await store.largest(2, since=DAY - timedelta(days=30), until=DAY + timedelta(days=30), region=None)
    assert [s.id for s in two] == [big, tie_first]
    assert await store.largest(0, since=None, until=None, region=None) == []


async def test_retracted_reports_are_left_out_and_corrections_reorder(store: Store, plan: str) -> None:
    first = await _night(store, "a", 100, 0)
    second = await _night(store, "b", 200, 1)
    third = await _night(store, "c", 300, 2)
    await store.retract(third)
    # a correction that makes the first report the biggest moves it up
    await store.ingest(draft(external_id="a", drones=900, destroyed=0, suppressed=0, end=DAY), notify=False)
    top = await store.largest(5, since=DAY - timedelta(days=1), until=None, region=None)
    assert [(s.id, s.launched, s.revision) for s in top] == [(first, 900, 2), (second, 200, 1)]


async def test_the_window_is_period_end_in_since_until(store: Store, plan: str) -> None:
    before = await _night(store, "a", 900, -1)
    at_since = await _night(store, "b", 100, 0)
    inside = await _night(store, "c", 200, 1)
    await _night(store, "d", 800, 2)  # ends exactly at `until`: outside
    top = await store.largest(10, since=DAY, until=DAY + timedelta(days=2), region=None)
    assert [s.id for s in top] == [inside, at_since]
    open_start = await store.largest(10, since=None, until=DAY + timedelta(days=1), region=None)
    assert [s.id for s in open_start] == [before, at_since]
    assert await store.largest(10, since=DAY + timedelta(days=30), until=None, region=None) == []


async def test_one_region(store: Store, plan: str) -> None:
    odesa_small = await _night(store, "a", 100, 0, ("odesa",))
    await _night(store, "b", 900, 1)  # nationwide: names no region
    odesa_big = await _night(store, "c", 400, 2, ("odesa", "lviv"))
    await _night(store, "d", 700, 3, ("lviv",))
    top = await store.largest(10, since=None, until=None, region="odesa")
    assert [s.id for s in top] == [odesa_big, odesa_small]
    windowed = await store.largest(10, since=DAY + timedelta(days=1), until=DAY + timedelta(days=5), region="odesa")
    assert [s.id for s in windowed] == [odesa_big]
    assert await store.largest(10, since=None, until=None, region="kharkiv") == []


def test_the_plan_follows_the_rows_in_the_window() -> None:
    # a short window of a big store is read by time, a long one by size
    assert not ranking.read_by_size(10, 500, 1_000_000)
    assert not ranking.read_by_size(10, 2_000, 1_000_000)
    assert ranking.read_by_size(10, 20_000, 1_000_000)
    assert ranking.read_by_size(10, 1_000_000, 1_000_000)
