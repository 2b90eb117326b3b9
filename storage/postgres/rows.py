"""Row ↔ model conversions for the PostgreSQL backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.models import Delivery, StrikeSummary, Subscription, SummaryDraft, WeaponCategory
from storage.timeutil import utc

SUMMARY_COLUMNS = (
    "id, external_id, source, source_url, period_start, period_end, regions, weapons, "
    "hit_locations, debris_locations, killed, injured, damage, notes, revision, status, "
    "created_at, updated_at"
)

# Content columns in the order summary_values() returns them ($1 … $19).
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
    "launched",
    "drones_launched",
    "missiles_launched",
    "destroyed",
    "suppressed",
    "content_hash",
)


def summary_values(draft: SummaryDraft) -> list[Any]:
    """Content column values of a draft, including the denormalised counts stats read."""
    weapons = draft.weapons
    return [
        draft.external_id,
        draft.source,
        draft.source_url,
        utc(draft.period_start),
        utc(draft.period_end),
        list(draft.regions),
        [w.model_dump(mode="json") for w in weapons],
        draft.hit_locations,
        draft.debris_locations,
        draft.killed,
        draft.injured,
        list(draft.damage),
        draft.notes,
        draft.launched,
        sum(w.launched for w in weapons if w.category == WeaponCategory.DRONE),
        sum(w.launched for w in weapons if w.category == WeaponCategory.MISSILE),
        sum(w.destroyed for w in weapons),
        sum(w.suppressed for w in weapons),
        draft.content_hash(),
    ]


def summary_from_row(row: Mapping[str, Any]) -> StrikeSummary:
    """A StrikeSummary from a row selected with SUMMARY_COLUMNS."""
    return StrikeSummary(
        id=row["id"],
        external_id=row["external_id"],
        source=row["source"],
        source_url=row["source_url"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        regions=tuple(row["regions"]),
        weapons=tuple(row["weapons"]),
        hit_locations=row["hit_locations"],
        debris_locations=row["debris_locations"],
        killed=row["killed"],
        injured=row["injured"],
        damage=tuple(row["damage"]),
        notes=row["notes"],
        revision=row["revision"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def subscription_from_row(row: Mapping[str, Any]) -> Subscription:
    """A Subscription from a `SELECT *` row."""
    return Subscription(
        id=row["id"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"] or None,
        locale=row["locale"],
        regions=tuple(row["regions"]),
        min_launched=row["min_launched"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        format=row["format"],
        muted_until=row["muted_until"],
        active=row["active"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def delivery_from_row(row: Mapping[str, Any]) -> Delivery:
    """A Delivery from a `deliveries` row."""
    return Delivery(
        id=row["id"],
        summary_id=row["summary_id"],
        broadcast_id=row["broadcast_id"],
        revision=row["revision"],
        subscription_id=row["subscription_id"],
        action=row["action"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        lease_until=row["lease_until"],
        platform_message_id=row["platform_message_id"],
        last_error=row["last_error"],
    )
