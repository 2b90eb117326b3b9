"""Hypothesis strategies for summaries with one planted defect, and the check that errors name it."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from handlers.ingest.payload import OUTPUT_ONLY
from handlers.ingest.schema import SummaryIn, WeaponIn

VALID: dict[str, Any] = {
    "external_id": "prop/1",
    "source": "Ukrainian Air Force",
    "source_url": "https://t.me/kpszsu/1",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "regions": ["Kyiv", "odesa"],
    "weapons": [{"model": "Shahed-136/131", "launched": 50, "destroyed": 20, "suppressed": 10}],
    "hit_locations": 1,
    "debris_locations": 2,
    "killed": 0,
    "injured": 3,
    "damage": ["a house"],
    "notes": "n",
}


FIELDS = set(SummaryIn.model_fields)


WEAPON_FIELDS = set(WeaponIn.model_fields)


COUNTS = ("hit_locations", "debris_locations", "killed", "injured")


WEAPON_COUNTS = ("launched", "destroyed", "suppressed")


SHORT_TEXT = ("external_id", "source", "source_url")


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)


json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


bad_counts = (
    st.integers(max_value=-1)
    | st.integers(min_value=100_001)
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)


bad_times = (
    st.datetimes().map(lambda d: d.isoformat())  # no offset
    | st.text(max_size=30).filter(lambda s: not s[:4].isdigit())
    | st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.none()
    | st.sampled_from(["2025-07-04", "1700000000", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                      "2025-02-30T00:00:00+00:00", "2025-07-04T25:00:00+03:00"])
)


controls = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x0b"])


def _set(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return payload


def _with(path: str, value: Any) -> tuple[dict[str, Any], str]:
    return _set(copy.deepcopy(VALID), path, value), path


def _without(name: str) -> tuple[dict[str, Any], str]:
    payload = copy.deepcopy(VALID)
    del payload[name]
    return payload, name


@st.composite
def malformed(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A payload with one kind of defect, and the loc the first matching error must start with."""
    kind = draw(st.integers(0, 15))
    if kind == 0:
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in FIELDS and k not in OUTPUT_ONLY))
        payload = copy.deepcopy(VALID)
        payload[key] = draw(json_values)
        return payload, key
    if kind == 1:
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in WEAPON_FIELDS))
        payload = copy.deepcopy(VALID)
        payload["weapons"][0][key] = draw(json_values)
        return payload, f"weapons.0.{key}"
    if kind == 2:
        return _with(draw(st.sampled_from(OUTPUT_ONLY)), draw(json_values))
    if kind == 3:
        return _with(draw(st.sampled_from(COUNTS)), draw(bad_counts))
    if kind == 4:
        return _with(f"weapons.0.{draw(st.sampled_from(WEAPON_COUNTS))}", draw(bad_counts))
    if kind == 5:
        return _with(draw(st.sampled_from(["period_start", "period_end"])), draw(bad_times))
    if kind == 6:  # end before start, both well formed
        end = datetime(2025, 7, 3, 18, tzinfo=timezone(timedelta(hours=3)))
        start = end + timedelta(seconds=draw(st.integers(1, 10**7)))
        payload, _ = _with("period_end", end.isoformat())
        payload["period_start"] = start.astimezone(timezone(timedelta(hours=draw(st.integers(-12, 14))))).isoformat()
        return payload, "period_end"
    if kind == 7:
        field = draw(st.sampled_from(SHORT_TEXT))
        prefix = "https://" if field == "source_url" else ""
        return _with(field, prefix + "a" * draw(st.integers(501, 2000)))
    if kind == 8:
        which = draw(st.sampled_from(["notes", "damage", "model"]))
        if which == "notes":
            return _with("notes", "n" * draw(st.integers(4001, 6000)))
        if which == "damage":
            return _with("damage.0", "d" * draw(st.integers(301, 1000)))
        return _with("weapons.0.model", "m" * draw(st.integers(501, 1000)))
    if kind == 9:
        which = draw(st.sampled_from(["regions", "damage", "weapons"]))
        size = draw(st.integers(51, 60)) if which != "weapons" else draw(st.integers(101, 110))
        item: Any = {"regions": "odesa", "damage": "x", "weapons": {"model": "x", "launched": 1}}[which]
        return _with(which, [copy.deepcopy(item) for _ in range(size)])
    if kind == 10:
        field = draw(st.sampled_from(["source", "notes", "damage.0", "regions.0", "weapons.0.model", "external_id"]))
        text = "a" + draw(st.text(max_size=5)) + draw(controls) + draw(st.text(max_size=5)) + "b"
        return _with(field, text)
    if kind == 11:
        launched = draw(st.integers(0, 1000))
        destroyed = draw(st.integers(0, launched + 10))
        suppressed = draw(st.integers(max(0, launched - destroyed + 1), launched + 1000))
        weapon = {"model": "Shahed-136/131", "launched": launched, "destroyed": destroyed, "suppressed": suppressed}
        return _with("weapons.0", weapon)
    if kind == 12:
        name = draw(st.sampled_from(["Atlantis", "Narnia oblast", "Mordor", "zz-999", "Kyyyyyyyyiv"]))
        return _with("regions.1", name)
    if kind == 13:
        return _without(draw(st.sampled_from(["period_start", "period_end"])))
    if kind == 14:  # wrong container or element types
        field = draw(st.sampled_from(["regions", "weapons", "damage"]))
        value = draw(
            st.one_of(st.text(max_size=5), st.integers(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
        )
        return _with(field, value)
    # blank or non-string text
    field = draw(st.sampled_from(["source", "external_id", "damage.0", "regions.0", "weapons.0.model"]))
    value = draw(st.sampled_from(["", "   ", "\n\t"]) | st.integers() | st.booleans() | st.lists(st.text(max_size=2), max_size=2))
    return _with(field, value)


def assert_names_field(errors: list[dict[str, str]], expected: str) -> None:
    """Every error names a field, and one of them the defect we planted."""
    assert errors, "no errors reported"
    for err in errors:
        assert err["loc"], err
        assert err["msg"], err
    assert any(e["loc"] == expected or e["loc"].startswith(expected + ".") for e in errors), (expected, errors)
