"""The JSON shapes shared by the CLI and the HTTP API (`latest --json`, `stats --json`).

Also parses the query values both accept: ISO 8601 times (local to the bot's
time zone when they carry no offset) and regions by name, alias or id.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from storage.catalog import gazetteer
from storage.models import Stats, StrikeSummary

# Bookkeeping times are not part of the `latest --json` contract.
_NOT_PUBLISHED = {"created_at", "updated_at"}


class QueryError(ValueError):
    """A query value (time, region, count) is not acceptable; `loc` names the parameter."""

    def __init__(self, loc: str, msg: str) -> None:
        self.loc = loc
        self.msg = msg
        super().__init__(f"{loc}: {msg}")

    @property
    def errors(self) -> list[dict[str, str]]:
        """The same shape as IngestError.errors."""
        return [{"loc": self.loc, "msg": self.msg}]


def summary_to_dict(summary: StrikeSummary) -> dict[str, Any]:
    """One summary in the ingest JSON shape plus id, revision, status and derived counts."""
    return summary.model_dump(mode="json", exclude=_NOT_PUBLISHED)


def summaries_to_list(summaries: list[StrikeSummary]) -> list[dict[str, Any]]:
    """The `latest --json` array (the caller keeps the store's newest-first order)."""
    return [summary_to_dict(s) for s in summaries]


def stats_to_dict(stats: Stats) -> dict[str, Any]:
    """The `stats --json` object (its `neutralized` includes what was reported with no split)."""
    return stats.model_dump(mode="json", exclude={"unsplit"})


def parse_when(text: str, tz: tzinfo, *, loc: str = "time") -> datetime:
    """ISO 8601 date or date-time; without an offset it is local time in `tz`."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(loc, f"not an ISO 8601 date or date-time: {text[:60]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    # the store works in UTC; a year at the edge of the calendar cannot be shifted there
    try:
        parsed.astimezone(tz).utcoffset()
        parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        raise QueryError(loc, f"out of range: {text[:60]!r}") from None
    if not 1 < parsed.year < 9999:
        raise QueryError(loc, f"out of range: {text[:60]!r}")
    return parsed


def parse_region(text: str, *, loc: str = "region") -> str:
    """A region's canonical id from its name, alias or id."""
    places = gazetteer()
    region_id = places.resolve(text)
    if region_id is None:
        hint = places.suggest(text)
        more = f" (did you mean {', '.join(hint)}?)" if hint else ""
        raise QueryError(loc, f"unknown region {text[:60]!r}{more}")
    return region_id
