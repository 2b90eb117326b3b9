"""How SQLite stores what the models hold: times as sortable UTC text, arrays as JSON text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from storage.models import SummaryDraft
from storage.rows import CONTENT_COLUMNS, RowReader, content_values
from storage.timeutil import from_text, to_text

# The JSON array columns and whether their text is ASCII-escaped, as the rows were always written.
_JSON_ASCII = {"regions": True, "weapons": False, "damage": False}

# Named parameters of the content columns (:external_id, :source …), in CONTENT_COLUMNS order.
CONTENT_PARAMS = ", ".join(f":{name}" for name in CONTENT_COLUMNS)


def summary_values(draft: SummaryDraft) -> dict[str, Any]:
    """Content column values of a draft as SQLite stores them, by column name."""
    values = content_values(draft)
    for name in ("period_start", "period_end"):
        values[name] = to_text(values[name])
    for name, ascii_only in _JSON_ASCII.items():
        values[name] = json.dumps(values[name], ensure_ascii=ascii_only)
    return values


def param(value: Any) -> Any:
    """A Python value as SQLite stores it: datetimes as text, booleans as 0 / 1."""
    if isinstance(value, datetime):
        return to_text(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _outbox_time(value: float) -> datetime:
    # outbox times are epoch seconds, so that due rows compare as numbers
    return datetime.fromtimestamp(value, UTC)


def _json_items(text: str) -> tuple[Any, ...]:
    # most subscriptions have no region filter: a claim reads thousands of them
    return () if text == "[]" else tuple(json.loads(text))


def row_reader() -> RowReader:
    """Models from SQLite rows."""
    return RowReader(time=from_text, outbox_time=_outbox_time, items=_json_items)
