"""One dataset row → one weapon model of a report, checked against the ingest contract's bounds."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from handlers.csv_import.places import place_names, resolve_place
from handlers.ingest.schema import ShortText, Timestamp, Url
from storage.catalog import Gazetteer

KYIV = ZoneInfo("Europe/Kyiv")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$")
PLACE_COLUMNS = ("target", "target_main", "affected region")
# the dataset names reports by the posting account; show who that is
ACCOUNTS = {
    "kpszsu": "Ukrainian Air Force",
    "pvkpivden": "Air Command South",
    "pvkshid": "Air Command East",
    "pvkzahid": "Air Command West",
    "pvkcentr": "Air Command Center",
    "generalstaff.ua": "General Staff of the Armed Forces of Ukraine",
}
# the derived fields come from the `source` column
_COLUMN_OF = {"account": "source", "url": "source"}


class _RowIn(BaseModel):
    """What one row gives a summary, under the ingest contract's own types and bounds."""

    model_config = ConfigDict(extra="forbid")

    source: ShortText
    account: ShortText
    url: Url | None
    time_start: Timestamp
    time_end: Timestamp
    model: ShortText


class RowError(ValueError):
    """The row cannot be imported; the message names the column and the problem."""


@dataclass
class DatasetRow:
    """One weapon model of one report, as a row that passed gives it (times in order)."""

    source: str
    account: str
    url: str | None
    start: datetime
    end: datetime
    model: str
    launched: int
    destroyed: int
    suppressed: int
    hits: int | None
    debris: int | None
    regions: list[str]
    warnings: list[str] = field(default_factory=list)


def parse_time(text: str) -> datetime:
    """`2023-05-16 3:30`, `2023-05-16 03:30` or `2023-05-16` in Kyiv local time."""
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError(f"unreadable time {text.strip()[:60]!r}")
    y, mo, d, h, mi = m.groups()
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), tzinfo=KYIV)


def parse_count(text: str) -> int | None:
    """`539`, `539.0` or blank (unknown → None); rejects negatives and fractions."""
    text = text.strip()
    if not text or text.lower() == "nan":
        return None
    value = float(text)
    # inf and 1e400 would make int() raise OverflowError, which is no ValueError
    if not math.isfinite(value) or value < 0 or value != int(value) or value > 100_000:
        raise ValueError(f"not a count: {text[:60]!r}")
    return int(value)


def quoted_names(literal: str) -> list[str]:
    """The quoted strings in a Python-style list literal (no eval; NaN and all)."""
    return [a or b for a, b in _QUOTED.findall(literal)]


def source_fields(source: str) -> tuple[str, str | None]:
    """The posting account's name and the report's URL, from the dataset's `source`."""
    if source.startswith(("http://", "https://")):
        parts = source.split("/")
        host = parts[2]
        if host == "t.me" and len(parts) > 3:
            return ACCOUNTS.get(parts[3].lower(), parts[3]), source
        return host, source
    account = source.split("/", 1)[0]
    account = ACCOUNTS.get(account.lower(), account)
    url = f"https://www.facebook.com/{source}" if "/posts/" in source else None
    return account, url


def _regions(row: dict[str, str], places: Gazetteer) -> list[str]:
    found: list[str] = []
    for column in PLACE_COLUMNS:
        text = row.get(column) or ""
        names = quoted_names(text) if column == "affected region" else list(place_names(text))
        for name in names:
            ids = resolve_place(places, name)
            if ids is None:
                hint = places.suggest(name)
                shown = name if len(name) <= 60 else name[:60] + "…"
                raise RowError(
                    f"{column}: unknown place {shown!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                )
            found += [i for i in ids if i not in found]
    return found


def _counts(row: dict[str, str]) -> dict[str, int | None]:
    columns = {
        "launched": "launched",
        "destroyed": "destroyed",
        "suppressed": "not_reach_goal",
        "hits": "num_hit_location",
        "debris": "num_fall_fragment_location",
    }
    counts = {}
    for name, column in columns.items():
        try:
            counts[name] = parse_count(row.get(column) or "")
        except ValueError as exc:
            raise RowError(f"{column}: {exc}") from None
    return counts


def check_row(row: dict[str, str], places: Gazetteer) -> DatasetRow:
    """The row's fields, within the ingest contract's bounds (history's leniencies aside), or RowError."""
    source = (row.get("source") or "").strip()
    model = (row.get("model") or "").strip()
    if not source:
        raise RowError("no source")
    if not model:
        raise RowError("no model")
    try:
        start = parse_time(row.get("time_start") or "")
    except ValueError as exc:
        raise RowError(f"time_start: {exc}") from None
    try:
        end = parse_time(row.get("time_end") or "")
    except ValueError as exc:
        raise RowError(f"time_end: {exc}") from None
    counts = _counts(row)
    account, url = source_fields(source)
    try:
        fields = _RowIn(source=source, account=account, url=url, time_start=start, time_end=end, model=model)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        column = _COLUMN_OF.get(str(first["loc"][0]), str(first["loc"][0]))
        raise RowError(f"{column}: {first['msg'].removeprefix('Value error, ')}") from None
    regions = _regions(row, places)
    warnings = []
    start, end = fields.time_start, fields.time_end
    if end < start:
        warnings.append("time_end before time_start: times swapped")
        start, end = end, start
    launched, destroyed, suppressed = counts["launched"], counts["destroyed"], counts["suppressed"]
    if launched is None:
        warnings.append(f"{model}: launched unknown, counted as 0")
    if destroyed is None and (row.get("destroyed") or "").strip() == "":
        warnings.append(f"{model}: destroyed unknown, counted as 0")
    launched, destroyed, suppressed = launched or 0, destroyed or 0, suppressed or 0
    if destroyed + suppressed > launched:
        warnings.append(
            f"{model}: destroyed + not_reach_goal ({destroyed + suppressed}) exceeds launched ({launched}); kept as reported"
        )
    return DatasetRow(
        source=fields.source,
        account=fields.account,
        url=fields.url,
        start=start,
        end=end,
        model=fields.model,
        launched=launched,
        destroyed=destroyed,
        suppressed=suppressed,
        hits=counts["hits"],
        debris=counts["debris"],
        regions=regions,
        warnings=warnings,
    )
