"""Stats contract: [since, until) by period_end, regions, retracted left out, rollup = brute force."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from storage import Store
from tests.storage.helpers import NIGHT, draft


class TestStats:
    async def test_empty_store(self, store: Store) -> None:
        s = await store.stats(since=None, until=None, region=None)
        assert s.summaries == 0 and s.launched == 0 and s.neutralization_rate is None and s.largest is None

    async def test_window_is_half_open_on_period_end(self, store: Store) -> None:
        end = datetime(2025, 7, 4, 3, 0, tzinfo=UTC)
        await store.ingest(draft(external_id="a", end=end, drones=10, destroyed=5, suppressed=0), notify=False)
        inside = await store.stats(since=end, until=end + timedelta(seconds=1), region=None)
        outside = await store.stats(since=end - timedelta(hours=1), until=end, region=None)
        assert inside.summaries == 1 and outside.summaries == 0

    async def test_totals_rate_casualties_and_largest(self, store: Store) -> None:
        await store.ingest(draft(external_id="a", drones=539, missiles=11, destroyed=268, suppressed=210, killed=None, injured=23), notify=False)
        await store.ingest(draft(external_id="b", drones=50, destroyed=40, suppressed=0, killed=2, end=NIGHT + timedelta(days=3)), notify=False)
        s = await store.stats(since=None, until=None, region=None)
        assert (s.summaries, s.launched, s.drones_launched, s.missiles_launched) == (2, 600, 589, 11)
        assert (s.destroyed, s.suppressed, s.neutralized) == (308, 210, 518)
        assert s.neutralization_rate == pytest.approx(518 / 600, abs=1e-4)
        assert (s.killed, s.injured) == (2, 23)
        assert s.largest is not None and s.largest.launched == 550

    async def test_region_filter_and_retraction(self, store: Store) -> None:
        a = await store.ingest(draft(external_id="a", regions=("kyiv-city",), drones=100), notify=False)
        await store.ingest(draft(external_id="b", regions=("odesa",), drones=7, destroyed=1, suppressed=0), notify=False)
        await store.ingest(draft(external_id="c", drones=3, destroyed=1, suppressed=0), notify=False)
        kyiv = await store.stats(since=None, until=None, region="kyiv-city")
        assert (kyiv.summaries, kyiv.launched, kyiv.region) == (1, 100, "kyiv-city")
        await store.retract(a.id)
        assert (await store.stats(since=None, until=None, region="kyiv-city")).summaries == 0
        assert (await store.stats(since=None, until=None, region=None)).launched == 10

    async def test_rollup_matches_brute_force_on_random_windows(self, store: Store) -> None:
        rng = random.Random(7)
        start = datetime(2025, 1, 1, tzinfo=UTC)
        rows = []
        for i in range(120):
            end = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
            region = rng.choice([(), ("kyiv-city",), ("odesa", "kyiv-city"), ("lviv",)])
            d = draft(external_id=f"r{i}", end=end, regions=region, drones=rng.randrange(0, 300), destroyed=0, suppressed=0, injured=rng.choice([None, 1, 4]))
            rows.append(d)
        await store.ingest_many(rows, notify=False)
        # a revision and a retraction move rows between days
        await store.ingest(rows[0].model_copy(update={"period_end": start + timedelta(days=39, hours=23)}), notify=False)
        victim = (await store.latest(1))[0]
        await store.retract(victim.id)
        live = [d for d in [rows[0].model_copy(update={"period_end": start + timedelta(days=39, hours=23)}), *rows[1:]] if d.external_id != victim.external_id]
        for _ in range(25):
            a = start + timedelta(minutes=rng.randrange(-600, 60 * 24 * 42))
            b = a + timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
            region = rng.choice([None, "kyiv-city", "odesa"])
            got = await store.stats(since=a, until=b, region=region)
            want = [d for d in live if a <= d.period_end < b and (region is None or region in d.regions)]
            assert got.summaries == len(want), (a, b, region)
            assert got.launched == sum(d.launched for d in want)
            assert got.injured == sum(d.injured or 0 for d in want)
            if want:
                assert got.largest is not None and got.largest.launched == max(d.launched for d in want)

    async def test_daily_series_in_local_days(self, store: Store) -> None:
        # 22:30 UTC on 3 July is 01:30 on 4 July in Kyiv (UTC+3)
        await store.ingest(draft(external_id="a", end=datetime(2025, 7, 3, 22, 30, tzinfo=UTC), drones=10, destroyed=1, suppressed=0), notify=False)
        await store.ingest(draft(external_id="b", end=datetime(2025, 7, 4, 5, 0, tzinfo=UTC), drones=5, destroyed=1, suppressed=0), notify=False)
        since, until = datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 10, tzinfo=UTC)
        utc = await store.daily_series(since=since, until=until, region=None)
        kyiv = await store.daily_series(since=since, until=until, region=None, utc_offset_minutes=180)
        assert [(d.day, d.launched) for d in utc] == [("2025-07-03", 10), ("2025-07-04", 5)]
        assert [(d.day, d.launched, d.summaries) for d in kyiv] == [("2025-07-04", 15, 2)]
