"""Domain models shared by every layer (pydantic, but for the outbox row the store reads in bulk)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import Enum, StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, computed_field


class Keep(Enum):
    """A sentinel for "leave this field as it is" where None has a meaning of its own."""

    KEEP = "keep"


KEEP = Keep.KEEP


class WeaponCategory(StrEnum):
    DRONE = "drone"
    MISSILE = "missile"
    BOMB = "bomb"
    UNKNOWN = "unknown"


class SummaryStatus(StrEnum):
    ACTIVE = "active"
    RETRACTED = "retracted"


class DeliveryAction(StrEnum):
    SEND = "send"
    EDIT = "edit"
    RETRACT = "retract"


class AlertFormat(StrEnum):
    """How a chat's alerts look: everything, or the headline, counts and report id."""

    FULL = "full"
    COMPACT = "compact"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    DEAD = "dead"


class WeaponTally(BaseModel):
    """How many of one weapon model were launched, shot down and suppressed.

    `neutralized_unsplit` is what a report counts as neutralized ("збито/подавлено")
    without saying how many were shot down and how many suppressed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    category: WeaponCategory = WeaponCategory.UNKNOWN
    launched: int = 0
    destroyed: int = 0
    suppressed: int = 0
    neutralized_unsplit: int = 0

    @property
    def neutralized(self) -> int:
        return self.destroyed + self.suppressed + self.neutralized_unsplit


class SummaryDraft(BaseModel):
    """A validated, normalised summary as it goes into the store (no id yet)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    external_id: str | None = None
    source: str | None = None
    source_url: str | None = None
    period_start: AwareDatetime
    period_end: AwareDatetime
    regions: tuple[str, ...] = ()
    weapons: tuple[WeaponTally, ...] = ()
    hit_locations: int | None = None
    debris_locations: int | None = None
    killed: int | None = None
    injured: int | None = None
    damage: tuple[str, ...] = ()
    notes: str | None = None
    # neutralized by the report's total alone: not by weapon, not split into shot down and suppressed
    neutralized_unsplit: int = 0

    @property
    def launched(self) -> int:
        return sum(w.launched for w in self.weapons)

    @property
    def unsplit(self) -> int:
        """Everything neutralized with no shot-down / suppressed split, by weapon or as a total."""
        return self.neutralized_unsplit + sum(w.neutralized_unsplit for w in self.weapons)

    def content_hash(self) -> str:
        """A stable digest of the content: equal digests mean an unchanged re-post."""
        payload = self.model_dump(mode="json")
        # left out while zero, so content stored before these fields existed keeps its digest
        if not payload["neutralized_unsplit"]:
            del payload["neutralized_unsplit"]
        for weapon in payload["weapons"]:
            if not weapon["neutralized_unsplit"]:
                del weapon["neutralized_unsplit"]
        payload["period_start"] = self.period_start.timestamp()
        payload["period_end"] = self.period_end.timestamp()
        # the order a feed lists weapons in is not content
        payload["weapons"] = sorted(payload["weapons"], key=lambda w: json.dumps(w, sort_keys=True))
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()


def _category_sum(weapons: tuple[WeaponTally, ...], category: WeaponCategory) -> int:
    return sum(w.launched for w in weapons if w.category == category)


class StrikeSummary(SummaryDraft):
    """One stored report about one attack wave, with its derived counts."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    revision: int = 1
    status: SummaryStatus = SummaryStatus.ACTIVE
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def launched(self) -> int:
        return sum(w.launched for w in self.weapons)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drones_launched(self) -> int:
        return _category_sum(self.weapons, WeaponCategory.DRONE)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def missiles_launched(self) -> int:
        return _category_sum(self.weapons, WeaponCategory.MISSILE)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def destroyed(self) -> int:
        return sum(w.destroyed for w in self.weapons)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def suppressed(self) -> int:
        return sum(w.suppressed for w in self.weapons)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def neutralized(self) -> int:
        return self.destroyed + self.suppressed + self.unsplit

    @computed_field  # type: ignore[prop-decorator]
    @property
    def neutralization_rate(self) -> float | None:
        return round(self.neutralized / self.launched, 6) if self.launched else None

    def draft(self) -> SummaryDraft:
        """The content part, as it was ingested."""
        return SummaryDraft.model_validate(
            self.model_dump(include=set(SummaryDraft.model_fields))
        )


class IngestOutcome(BaseModel):
    """What storing one summary did."""

    id: int
    revision: int
    status: Literal["created", "revised", "unchanged"]
    deliveries: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """One chat (or forum topic / Discord thread) and its alert filters.

    A plain record, like Delivery: only the store builds it, from its own rows
    (a claim reads one per message of a fan-out), and the settings commands
    validate what they write before it reaches a row.
    """

    id: int
    platform: str
    chat_id: str
    thread_id: str | None = None
    locale: str = "en"
    regions: tuple[str, ...] = ()
    min_launched: int = 0
    muted_until: datetime | None = None
    # quiet hours: minutes after local midnight; alerts inside arrive without a sound
    quiet_start: int | None = None
    quiet_end: int | None = None
    format: AlertFormat = AlertFormat.FULL
    active: bool = True
    created_by: str | None = None
    created_at: datetime

    @property
    def quiet(self) -> tuple[int, int] | None:
        """The quiet-hours window as (start, end) minutes, or None."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return (self.quiet_start, self.quiet_end)

    def is_quiet(self, at: datetime, tz: tzinfo) -> bool:
        """Whether `at` (aware) falls in the quiet hours, read as wall-clock time in `tz`."""
        window = self.quiet
        if window is None:
            return False
        local = at.astimezone(tz)
        return in_window(local.hour * 60 + local.minute, *window)


MINUTES_PER_DAY = 24 * 60


def in_window(minute: int, start: int, end: int) -> bool:
    """Whether a minute of the day is in [start, end); start > end crosses midnight, start == end is empty."""
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


def check_quiet(quiet: tuple[int, int] | None) -> tuple[int | None, int | None]:
    """Column values of a quiet-hours window; ValueError when a bound is not a minute of the day."""
    if quiet is None:
        return (None, None)
    start, end = quiet
    if not all(isinstance(v, int) and 0 <= v < MINUTES_PER_DAY for v in (start, end)) or start == end:
        raise ValueError(f"quiet hours must be two different minutes 0..{MINUTES_PER_DAY - 1}, got {quiet!r}")
    return (start, end)


@dataclass(slots=True, kw_only=True)
class Delivery:
    """One outbox row: one action of one summary revision for one subscription.

    A plain record, not a pydantic model: only the store builds it, from its own
    rows, thousands of times a second in a fan-out, where validation cost more
    than the rest of reading the row.
    """

    id: int
    summary_id: int | None
    broadcast_id: int | None = None
    revision: int
    subscription_id: int
    action: DeliveryAction
    status: DeliveryStatus
    attempts: int = 0
    next_attempt_at: datetime
    lease_until: datetime | None = None
    platform_message_id: str | None = None
    last_error: str | None = None


class Largest(BaseModel):
    id: int
    period_end: datetime
    launched: int


# the summed columns of Stats, in the order the backends' queries return them
STAT_FIELDS = (
    "summaries",
    "launched",
    "drones_launched",
    "missiles_launched",
    "destroyed",
    "suppressed",
    "killed",
    "injured",
    "unsplit",
)


class Stats(BaseModel):
    """Totals over a window, the `stats --json` contract shape."""

    since: datetime | None = None
    until: datetime | None = None
    region: str | None = None
    summaries: int = 0
    launched: int = 0
    drones_launched: int = 0
    missiles_launched: int = 0
    destroyed: int = 0
    suppressed: int = 0
    neutralized: int = 0
    neutralization_rate: float | None = None
    killed: int = 0
    injured: int = 0
    largest: Largest | None = None
    # the part of `neutralized` reported with no shot-down / suppressed split (not in `stats --json`)
    unsplit: int = 0


class DayTotal(BaseModel):
    """One day of the per-day series used by charts."""

    day: str
    summaries: int
    launched: int
    drones_launched: int
    missiles_launched: int
    neutralized: int
