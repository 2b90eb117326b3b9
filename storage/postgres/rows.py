"""How PostgreSQL stores what the models hold: native timestamptz, text[] and jsonb values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.models import SummaryDraft
from storage.rows import CONTENT_COLUMNS, RowReader, content_values

# Positional parameters of the content columns ($1 … $19), in CONTENT_COLUMNS order.
CONTENT_PARAMS = ", ".join(f"${i + 1}" for i in range(len(CONTENT_COLUMNS)))


def summary_values(draft: SummaryDraft) -> list[Any]:
    """Content column values of a draft, in CONTENT_COLUMNS order."""
    return list(content_values(draft).values())


def _as_is(value: datetime) -> datetime:
    return value


def row_reader() -> RowReader:
    """Models from asyncpg records (the pool decodes jsonb; times come back in UTC)."""
    return RowReader(time=_as_is, outbox_time=_as_is, items=tuple)
