"""Row ↔ model conversions for the SQLite backend."""

from __future__ import annotations

import json
from typing import Any

from storage.models import StrikeSummary, Subscription, SummaryDraft, WeaponCategory
from storage.timeutil import from_text, to_text

SUMMARY_COLUMNS = (
    "id, external_id, source, source_url, period_start, period_end, regions, weapons, "
    "hit_locations, debris_locations, killed, injured, damage, notes, revision, status, "
    "created_at, updated_at"
)


def summary_values(draft: SummaryDraft) -> dict[str, Any]:
    """Column values of a draft, including the denormalised counts stats read."""
    weapons = [w.model_dump(mode="json") for w in draft.weapons]
    return {
        "external_id": draft.external_id,
        "source": draft.source,
        "source_url": draft.source_url,
        "period_start": to_text(draft.period_start),
        "period_end": to_text(draft.period_end),
        "regions": json.dumps(list(draft.regions)),
        "weapons": json.dumps(weapons, ensure_ascii=False),
        "hit_locations": draft.hit_locations,
        "debris_locations": draft.debris_locations,
        "killed": draft.killed,
        "injured": draft.injured,
        "damage": json.dumps(list(draft.damage), ensure_ascii=False),
        "notes": draft.notes,
        "launched": draft.launched,
        "drones_launched": sum(
            w.launched for w in draft.weapons if w.category == WeaponCategory.DRONE
        ),
        "missiles_launched": sum(
            w.launched for w in draft.weapons if w.category == WeaponCategory.MISSILE
        ),
        "destroyed": sum(w.destroyed for w in draft.weapons),
        "suppressed": sum(w.suppressed for w in draft.weapons),
        "content_hash": draft.content_hash(),
    }


def summary_from_row(row: Any) -> StrikeSummary:
    return StrikeSummary(
        id=row["id"],
        external_id=row["external_id"],
        source=row["source"],
        source_url=row["source_url"],
        period_start=from_text(row["period_start"]),
        period_end=from_text(row["period_end"]),
        regions=tuple(json.loads(row["regions"])),
        weapons=tuple(json.loads(row["weapons"])),
        hit_locations=row["hit_locations"],
        debris_locations=row["debris_locations"],
        killed=row["killed"],
        injured=row["injured"],
        damage=tuple(json.loads(row["damage"])),
        notes=row["notes"],
        revision=row["revision"],
        status=row["status"],
        created_at=from_text(row["created_at"]),
        updated_at=from_text(row["updated_at"]),
    )


def subscription_from_row(row: Any) -> Subscription:
    return Subscription(
        id=row["id"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"] or None,
        locale=row["locale"],
        regions=tuple(json.loads(row["regions"])),
        min_launched=row["min_launched"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        format=row["format"],
        muted_until=from_text(row["muted_until"]) if row["muted_until"] else None,
        active=bool(row["active"]),
        created_by=row["created_by"],
        created_at=from_text(row["created_at"]),
    )
