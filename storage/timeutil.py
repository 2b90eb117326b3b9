"""Time conversions shared by the backends."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc(dt: datetime) -> datetime:
    """Aware datetime in UTC; a naive one is refused (ValueError)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC)


def to_text(dt: datetime) -> str:
    """Aware datetime → sortable UTC text."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_start(dt: datetime) -> datetime:
    """The UTC midnight at or before dt."""
    d = dt.astimezone(UTC)
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def utc_day(dt: datetime) -> date:
    """The UTC calendar day of dt (the rollup's day key)."""
    return utc(dt).date()
