"""Ingest validation: every bad input rejected with a message naming the field, nothing stored."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from handlers.ingest import IngestError, ingest_payload, ingest_summary, parse_summary
from storage import open_store
from storage.protocol import Store

VALID: dict[str, Any] = {
    "external_id": "kpszsu/posts/abc",
    "source": "Ukrainian Air Force",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "regions": ["Kyiv", "Київщина", "odesa"],
    "weapons": [
        {"model": "Shahed-136/131", "launched": 539, "destroyed": 268, "suppressed": 208},
        {"model": "Iskander-M and KN-23", "launched": 6},
        {"model": "Brand-new thing", "launched": 1},
    ],
    "hit_locations": 8,
    "debris_locations": 33,
    "killed": 0,
    "injured": 23,
    "damage": ["about 40 apartment buildings"],
    "notes": "test",
}


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    async with open_store(f"sqlite:///{tmp_path / 'i.db'}") as s:
        yield s


def with_change(path: str, value: Any) -> dict[str, Any]:
    """VALID with one field (dotted path) replaced, or removed when value is ...."""
    payload = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return payload


def test_valid_summary_is_normalised() -> None:
    d = parse_summary(VALID)
    assert d.regions == ("kyiv", "kyiv-city", "odesa")
    assert [w.category for w in d.weapons] == ["drone", "missile", "unknown"]
    assert d.launched == 546 and d.period_end.utcoffset() is not None


BAD = [
    ("killed", -1, "killed"),
    ("killed", "5", "killed"),
    ("killed", 5.5, "killed"),
    ("killed", True, "killed"),
    ("injured", 100_001, "injured"),
    ("weapons.0.launched", "539", "weapons.0.launched"),
    ("weapons.0.launched", -3, "weapons.0.launched"),
    ("weapons.0.launched", ..., "weapons.0.launched"),
    ("weapons.0.colour", "red", "weapons.0.colour"),
    ("surprise", 1, "surprise"),
    ("id", 3, "id"),
    ("neutralized", 3, "neutralized"),
    ("period_start", ..., "period_start"),
    ("period_start", "2025-07-03T18:00:00", "period_start"),
    ("period_end", "2025-07-03T17:00:00+03:00", "period_end"),
    ("period_end", "yesterday", "period_end"),
    ("period_end", 1751600000, "period_end"),
    ("regions.0", "Atlantis", "regions.0"),
    ("regions", "Kyiv", "regions"),
    ("notes", "x" * 4001, "notes"),
    ("damage", ["x"] * 51, "damage"),
    ("damage.0", "x" * 301, "damage.0"),
    ("source", "s" * 501, "source"),
    ("weapons.0.destroyed", 400, "weapons.0"),
]


@pytest.mark.parametrize(("path", "value", "loc"), BAD, ids=[f"{p}={str(v)[:12]}" for p, v, _ in BAD])
async def test_bad_input_names_the_field_and_stores_nothing(store: Store, path: str, value: Any, loc: str) -> None:
    with pytest.raises(IngestError) as err:
        await ingest_summary(store, with_change(path, value), notify=True)
    assert loc in [e["loc"] for e in err.value.errors]
    assert loc in str(err.value)
    assert await store.count_summaries() == 0


async def test_unknown_region_suggests_close_names(store: Store) -> None:
    with pytest.raises(IngestError, match="did you mean Odesa"):
        await ingest_summary(store, with_change("regions.0", "Odessa obl"), notify=True)


async def test_history_keeps_inconsistent_numbers(store: Store) -> None:
    payload = with_change("weapons.0.destroyed", 400)
    with pytest.raises(IngestError):
        parse_summary(payload, live=True)
    assert parse_summary(payload, live=False).weapons[0].destroyed == 400


async def test_array_is_validated_whole_before_anything_is_stored(store: Store) -> None:
    second = with_change("external_id", "other")
    second["weapons"][0]["launched"] = -1
    with pytest.raises(IngestError) as err:
        await ingest_payload(store, [VALID, second], notify=True)
    assert err.value.errors[0]["loc"] == "1.weapons.0.launched"
    assert await store.count_summaries() == 0


@pytest.mark.parametrize("payload", [None, 3, "text", [], [1]])
async def test_not_an_object(store: Store, payload: Any) -> None:
    with pytest.raises(IngestError):
        await ingest_payload(store, payload, notify=True)
    assert await store.count_summaries() == 0


async def test_repost_and_correction(store: Store) -> None:
    await store.subscribe("telegram", "1")
    a = await ingest_summary(store, VALID, notify=True)
    b = await ingest_summary(store, VALID, notify=True)
    c = await ingest_summary(store, with_change("injured", 24), notify=True)
    assert (a.status, b.status, c.status) == ("created", "unchanged", "revised")
    assert (a.deliveries, b.deliveries, c.revision) == (1, 0, 2)
