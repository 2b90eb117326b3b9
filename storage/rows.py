"""Summary columns and row ↔ model conversions shared by the backends.

Each backend's driver hands times and arrays back in its own form (text and
JSON in SQLite, native values in PostgreSQL): a `RowReader` is told how to
read those, and the rest of the mapping is written here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from storage.models import Delivery, StrikeSummary, Subscription, SummaryDraft, WeaponCategory
from storage.timeutil import utc

SUMMARY_COLUMNS = (
    "id, external_id, source, source_url, period_start, period_end, regions, weapons, "
    "hit_locations, debris_locations, killed, injured, damage, notes, neutralized_unsplit, revision, status, "
    "created_at, updated_at"
)

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
    """A result row read by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: str, /) -> Any: ...


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
        """A Subscription from a `SELECT *` row."""
        muted = row["muted_until"]
        return Subscription(
            id=row["id"],
            platform=row["platform"],
            chat_id=row["chat_id"],
            thread_id=row["thread_id"] or None,
            locale=row["locale"],
            regions=self.items(row["regions"]),
            min_launched=row["min_launched"],
            quiet_start=row["quiet_start"],
            quiet_end=row["quiet_end"],
            format=row["format"],
            muted_until=self.time(muted) if muted else None,
            active=bool(row["active"]),
            created_by=row["created_by"],
            created_at=self.time(row["created_at"]),
        )

    def delivery(self, row: Row) -> Delivery:
        """A Delivery from a `deliveries` row."""
        lease = row["lease_until"]
        return Delivery(
            id=row["id"],
            summary_id=row["summary_id"],
            broadcast_id=row["broadcast_id"],
            revision=row["revision"],
            subscription_id=row["subscription_id"],
            action=row["action"],
            status=row["status"],
            attempts=row["attempts"],
            next_attempt_at=self.outbox_time(row["next_attempt_at"]),
            lease_until=self.outbox_time(lease) if lease is not None else None,
            platform_message_id=row["platform_message_id"],
            last_error=row["last_error"],
        )
