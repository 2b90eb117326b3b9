"""Neutralized with no shot-down / suppressed split: stored, counted in `neutralized` and stats, never split."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from storage import Store
from storage.models import SummaryDraft, WeaponCategory, WeaponTally
from tests.storage.helpers import NIGHT, draft


def unsplit_draft(external_id: str = "u-1", *, weapon_unsplit: int = 129, total: int = 0) -> SummaryDraft:
    """A night whose drones were `збито/подавлено 129` and whose missiles were only launched."""
    end = NIGHT + timedelta(hours=12)
    return SummaryDraft(
        external_id=external_id,
        period_start=end - timedelta(hours=12),
        period_end=end,
        regions=("odesa",),
        weapons=(
            WeaponTally(model="Shahed-136/131", category=WeaponCategory.DRONE, launched=137, neutralized_unsplit=weapon_unsplit),
            WeaponTally(model="Iskander-M", category=WeaponCategory.MISSILE, launched=2),
        ),
        neutralized_unsplit=total,
    )


async def test_stored_and_read_back_with_the_neutralized_total(store: Store) -> None:
    outcome = await store.ingest(unsplit_draft(total=5), notify=False)
    (found,) = await store.latest(1)
    assert found.id == outcome.id
    assert found.weapons[0].neutralized_unsplit == 129 and found.neutralized_unsplit == 5
    # no split is invented: nothing shot down, nothing suppressed, 134 neutralized
    assert (found.destroyed, found.suppressed, found.neutralized) == (0, 0, 134)
    assert found.neutralization_rate == pytest.approx(134 / 139, abs=1e-6)


async def test_the_same_content_again_is_unchanged_and_a_changed_total_is_a_revision(store: Store) -> None:
    await store.ingest(unsplit_draft(), notify=False)
    assert (await store.ingest(unsplit_draft(), notify=False)).status == "unchanged"
    revised = await store.ingest(unsplit_draft(weapon_unsplit=130), notify=False)
    assert (revised.status, revised.revision) == ("revised", 2)
    assert (await store.latest(1))[0].neutralized == 130


async def test_stats_count_it_as_neutralized_but_not_as_shot_down_or_suppressed(store: Store) -> None:
    await store.ingest(unsplit_draft(total=5), notify=False)
    await store.ingest(draft(external_id="split", drones=100, destroyed=80, suppressed=10, end=NIGHT + timedelta(days=2)), notify=False)
    for since, until in ((None, None), (NIGHT - timedelta(hours=5), NIGHT + timedelta(days=3, hours=5))):
        s = await store.stats(since=since, until=until, region=None)
        assert (s.launched, s.destroyed, s.suppressed, s.unsplit, s.neutralized) == (239, 80, 10, 134, 224)
    odesa = await store.stats(since=None, until=None, region="odesa")
    assert (odesa.neutralized, odesa.unsplit) == (134, 134)


async def test_a_revision_and_a_retraction_update_the_totals(store: Store) -> None:
    first = await store.ingest(unsplit_draft(), notify=False)
    await store.ingest(unsplit_draft(weapon_unsplit=100, total=7), notify=False)
    assert (await store.stats(since=None, until=None, region=None)).neutralized == 107
    await store.retract(first.id)
    after = await store.stats(since=None, until=None, region=None)
    assert (after.summaries, after.neutralized, after.unsplit) == (0, 0, 0)


async def test_daily_series_counts_it(store: Store) -> None:
    await store.ingest(unsplit_draft(total=5), notify=False)
    days = await store.daily_series(since=NIGHT - timedelta(days=1), until=NIGHT + timedelta(days=2), region=None, utc_offset_minutes=0)
    assert [d.neutralized for d in days if d.summaries] == [134]


def test_content_stored_before_the_field_existed_keeps_its_digest() -> None:
    # the digest of this summary as computed before neutralized_unsplit existed
    before = "e67f24a2e1a2af77220f51f10be1532b7303c9e0498c723a7854d8801514755b"
    start = datetime.fromisoformat("2025-07-03T18:00:00+03:00")
    same = SummaryDraft(
        external_id="old/1",
        period_start=start,
        period_end=start + timedelta(hours=12),
        regions=("kyiv-city",),
        weapons=(WeaponTally(model="Shahed-136/131", category=WeaponCategory.DRONE, launched=539, destroyed=268, suppressed=208),),
        injured=23,
    )
    assert same.content_hash() == before
