"""The ingest JSON contract as pydantic models: one source of truth for validation and OpenAPI."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

MAX_COUNT = 100_000
# Years outside this window are typos; they would also overflow when shifted to UTC.
MIN_YEAR, MAX_YEAR = 1970, 2100

# pydantic alone would take a Unix number or a numeric string for a datetime;
# the contract wants ISO 8601 text, so look at the shape first.
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
# NUL and other C0 controls break PostgreSQL text and chat rendering; tab and newlines are fine.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _iso_text(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise ValueError("expected an ISO 8601 date-time with an offset, e.g. 2025-07-04T06:00:00+03:00")
    return value


def _sane_year(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_printable)
]
DamageItem = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_printable)
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"^https?://[^\s]+$"),
    AfterValidator(_printable),
]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_sane_year)]


class WeaponIn(BaseModel):
    """One weapon model's tally as a feed sends it."""

    model_config = ConfigDict(extra="forbid")

    model: ShortText
    category: Annotated[str, Field(pattern="^(drone|missile|bomb|unknown)$")] | None = None
    launched: Count
    destroyed: Count = 0
    suppressed: Count = 0
    # neutralized as the report counts it without a shot-down / suppressed split ("збито/подавлено")
    neutralized_unsplit: Count = 0


class SummaryIn(BaseModel):
    """A strike summary as a feed sends it (docs/design.md "Ingest JSON")."""

    model_config = ConfigDict(extra="forbid", title="StrikeSummaryIn")

    external_id: ShortText | None = None
    source: ShortText | None = None
    source_url: Url | None = None
    period_start: Timestamp
    period_end: Timestamp
    regions: Annotated[list[ShortText], Field(max_length=50)] = []
    weapons: Annotated[list[WeaponIn], Field(max_length=100)] = []
    hit_locations: Count | None = None
    debris_locations: Count | None = None
    killed: Count | None = None
    injured: Count | None = None
    damage: Annotated[list[DamageItem], Field(max_length=50)] = []
    # a neutralized total the report gives neither by weapon nor split into shot down and suppressed
    neutralized_unsplit: Count = 0
    notes: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), AfterValidator(_printable)]
        | None
    ) = None

    @model_validator(mode="after")
    def _period_order(self) -> SummaryIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self
