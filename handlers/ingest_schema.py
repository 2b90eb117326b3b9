"""The ingest JSON contract as pydantic models: one source of truth for validation and OpenAPI."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_COUNT = 100_000

Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
DamageItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class WeaponIn(BaseModel):
    """One weapon model's tally as a feed sends it."""

    model_config = ConfigDict(extra="forbid")

    model: ShortText
    category: Annotated[str, Field(pattern="^(drone|missile|bomb|unknown)$")] | None = None
    launched: Count
    destroyed: Count = 0
    suppressed: Count = 0


class SummaryIn(BaseModel):
    """A strike summary as a feed sends it (DESIGN "Ingest JSON")."""

    model_config = ConfigDict(extra="forbid", title="StrikeSummaryIn")

    external_id: ShortText | None = None
    source: ShortText | None = None
    source_url: ShortText | None = None
    period_start: AwareDatetime
    period_end: AwareDatetime
    regions: Annotated[list[ShortText], Field(max_length=50)] = []
    weapons: Annotated[list[WeaponIn], Field(max_length=100)] = []
    hit_locations: Count | None = None
    debris_locations: Count | None = None
    killed: Count | None = None
    injured: Count | None = None
    damage: Annotated[list[DamageItem], Field(max_length=50)] = []
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None

    @model_validator(mode="after")
    def _period_order(self) -> SummaryIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self
