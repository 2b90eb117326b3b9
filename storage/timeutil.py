"""Time conversions shared by the backends."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(dt: datetime) -> str:
    """Aware datetime → sortable UTC text."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_start(dt: datetime) -> datetime:
    """The UTC midnight at or before dt."""
    d = dt.astimezone(UTC)
    return d.replace(hour=0, minute=0, second=0, microsecond=0)
