"""Summary columns and row ↔ model conversions shared by the backends.

Each backend's driver hands times and arrays back in its own form (text and
JSON in SQLite, native values in PostgreSQL): a `RowReader` is told how to
read those, and the rest of the mapping is written here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from storage.models import (
    AlertFormat,
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    StrikeSummary,
    Subscription,
    SummaryDraft,
    WeaponCategory,
)
from storage.timeutil import utc

SUMMARY_COLUMNS = (
    "id, external_id, source, source_url, period_start, period_end, regions, weapons, "
    "hit_locations, debris_locations, killed, injured, damage, notes, neutralized_unsplit, revision, status, "
    "created_at, updated_at"
)

# The columns RowReader.subscription and .delivery read, by position and in this order: every
# query whose rows they read selects exactly these (a claim reads thousands of rows a second)
SUBSCRIPTION_FIELDS = (
    "id", "platform", "chat_id", "thread_id", "locale", "regions", "min_launched", "quiet_start",
    "quiet_end", "format", "muted_until", "active", "created_by", "created_at",
)
SUBSCRIPTION_COLUMNS = ", ".join(SUBSCRIPTION_FIELDS)
DELIVERY_FIELDS = (
    "id", "summary_id", "broadcast_id", "revision", "subscription_id", "action", "status", "attempts",
    "next_attempt_at", "lease_until", "platform_message_id", "last_error",
)
DELIVERY_COLUMNS = ", ".join(DELIVERY_FIELDS)

# enum members by stored value: a dict lookup, not Enum's own (slower) constructor, for every claimed row
_ACTIONS = {a.value: a for a in DeliveryAction}
_STATUSES = {s.value: s for s in DeliveryStatus}
_FORMATS = {f.value: f for f in AlertFormat}

# The content columns of a summary, in the order content_values() returns them.
CONTENT_COLUMNS = (
    "external_id",
    "source",
    "source_url",
    "period_start",
    "period_end",
    "regions",
    "weapons",
    "hit_locations",
    "debris_locations",
    "killed",
    "injured",
    "damage",
    "notes",
    "neutralized_unsplit",
    "launched",
    "drones_launched",
    "missiles_launched",
    "destroyed",
    "suppressed",
    "unsplit",
    "content_hash",
)


def weapon_counts(draft: SummaryDraft) -> dict[str, int]:
    """The denormalised counts stored with a summary, which stats and ranking read."""
    weapons = draft.weapons
    return {
        "launched": draft.launched,
        "drones_launched": sum(w.launched for w in weapons if w.category == WeaponCategory.DRONE),
        "missiles_launched": sum(w.launched for w in weapons if w.category == WeaponCategory.MISSILE),
        "destroyed": sum(w.destroyed for w in weapons),
        "suppressed": sum(w.suppressed for w in weapons),
        "unsplit": draft.unsplit,
    }


def content_values(draft: SummaryDraft) -> dict[str, Any]:
    """The content column values of a draft as Python values (times in UTC, lists for arrays)."""
    values: dict[str, Any] = {
        "external_id": draft.external_id,
        "source": draft.source,
        "source_url": draft.source_url,
        "period_start": utc(draft.period_start),
        "period_end": utc(draft.period_end),
        "regions": list(draft.regions),
        "weapons": [w.model_dump(mode="json") for w in draft.weapons],
        "hit_locations": draft.hit_locations,
        "debris_locations": draft.debris_locations,
        "killed": draft.killed,
        "injured": draft.injured,
        "damage": list(draft.damage),
        "notes": draft.notes,
        "neutralized_unsplit": draft.neutralized_unsplit,
    }
    values |= weapon_counts(draft)
    values["content_hash"] = draft.content_hash()
    return values


class Row(Protocol):
    """A result row read by column name or in order (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True)
class RowReader:
    """Models from a backend's rows, given how its driver returns times and arrays."""

    # a stored timestamp column (created_at, period_end, muted_until …)
    time: Callable[[Any], datetime]
    # an outbox time (next_attempt_at, lease_until), kept apart where a backend stores them as numbers
    outbox_time: Callable[[Any], datetime]
    # an array column (regions, weapons, damage)
    items: Callable[[Any], tuple[Any, ...]]

    def summary(self, row: Row) -> StrikeSummary:
        """A StrikeSummary from a row selected with SUMMARY_COLUMNS."""
        return StrikeSummary(
            id=row["id"],
            external_id=row["external_id"],
            source=row["source"],
            source_url=row["source_url"],
            period_start=self.time(row["period_start"]),
            period_end=self.time(row["period_end"]),
            regions=self.items(row["regions"]),
            weapons=self.items(row["weapons"]),
            hit_locations=row["hit_locations"],
            debris_locations=row["debris_locations"],
            killed=row["killed"],
            injured=row["injured"],
            damage=self.items(row["damage"]),
            notes=row["notes"],
            neutralized_unsplit=row["neutralized_unsplit"],
            revision=row["revision"],
            status=row["status"],
            created_at=self.time(row["created_at"]),
            updated_at=self.time(row["updated_at"]),
        )

    def subscription(self, row: Row) -> Subscription:
        """A Subscription from a row selected with SUBSCRIPTION_COLUMNS."""
        (id_, platform, chat_id, thread_id, locale, regions, min_launched, quiet_start, quiet_end,
         alert_format, muted, active, created_by, created_at) = row
        return Subscription(
            id=id_,
            platform=platform,
            chat_id=chat_id,
            thread_id=thread_id or None,
            locale=locale,
            regions=self.items(regions),
            min_launched=min_launched,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            format=_FORMATS[alert_format],
            muted_until=self.time(muted) if muted else None,
            active=bool(active),
            created_by=created_by,
            created_at=self.time(created_at),
        )

    def delivery(self, row: Row) -> Delivery:
        """A Delivery from a row selected with DELIVERY_COLUMNS."""
        (id_, summary_id, broadcast_id, revision, subscription_id, action, status, attempts,
         next_attempt_at, lease, platform_message_id, last_error) = row
        return Delivery(
            id=id_,
            summary_id=summary_id,
            broadcast_id=broadcast_id,
            revision=revision,
            subscription_id=subscription_id,
            action=_ACTIONS[action],
            status=_STATUSES[status],
            attempts=attempts,
            next_attempt_at=self.outbox_time(next_attempt_at),
            lease_until=self.outbox_time(lease) if lease is not None else None,
            platform_message_id=platform_message_id,
            last_error=last_error,
        )
