"""Builders for storage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import SummaryDraft, WeaponCategory, WeaponTally

NIGHT = datetime(2025, 7, 3, 15, 0, tzinfo=UTC)


def draft(
    *,
    external_id: str | None = "ext-1",
    drones: int = 100,
    missiles: int = 0,
    destroyed: int = 80,
    suppressed: int = 10,
    regions: tuple[str, ...] = (),
    end: datetime | None = None,
    killed: int | None = None,
    injured: int | None = None,
    notes: str | None = None,
    damage: tuple[str, ...] = (),
) -> SummaryDraft:
    """A summary ending at `end` (default the seed night) with drones and missiles."""
    end = end or NIGHT + timedelta(hours=12)
    weapons = [
        WeaponTally(
            model="Shahed-136/131",
            category=WeaponCategory.DRONE,
            launched=drones,
            destroyed=destroyed,
            suppressed=suppressed,
        )
    ]
    if missiles:
        weapons.append(
            WeaponTally(model="Kalibr", category=WeaponCategory.MISSILE, launched=missiles, destroyed=0)
        )
    return SummaryDraft(
        external_id=external_id,
        source="test",
        period_start=end - timedelta(hours=12),
        period_end=end,
        regions=regions,
        weapons=tuple(weapons),
        killed=killed,
        injured=injured,
        notes=notes,
        damage=damage,
    )
