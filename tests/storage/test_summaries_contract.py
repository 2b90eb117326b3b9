"""Summary storage contract: revisions by external_id, fan-out rules, retraction, latest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Store
from storage.errors import StoreError
from tests.storage.helpers import NIGHT, draft


async def pending_actions(store: Store) -> list[tuple[str, str, int]]:
    """(chat, action, revision) of every due outbox row, oldest first, draining the queue."""
    out = []
    while True:
        jobs = await store.claim_deliveries(now=datetime.now(UTC), limit=100, lease_seconds=30)
        if not jobs:
            return out
        from storage.models import DeliveryStatus
        from storage.outbox import DeliveryResult

        out += [(j.subscription.chat_id, j.delivery.action.value, j.delivery.revision) for j in jobs]
        await store.finish_deliveries(
            [
                DeliveryResult(delivery_id=j.delivery.id, status=DeliveryStatus.SENT, platform_message_id="m1", message_revision=j.delivery.revision)
                for j in jobs
            ]
        )


class TestSummaries:
    async def test_same_external_id_is_unchanged_then_revised(self, store: Store) -> None:
        first = await store.ingest(draft(), notify=False)
        again = await store.ingest(draft(), notify=False)
        changed = await store.ingest(draft(drones=120), notify=False)
        assert (first.status, again.status, changed.status) == ("created", "unchanged", "revised")
        assert first.id == again.id == changed.id
        assert (first.revision, again.revision, changed.revision) == (1, 1, 2)
        stored = await store.get_summary(first.id)
        assert stored is not None and stored.launched == 120 and stored.revision == 2
        assert await store.count_summaries() == 1

    async def test_weapon_order_is_not_a_change(self, store: Store) -> None:
        d = draft(missiles=3)
        await store.ingest(d, notify=False)
        flipped = d.model_copy(update={"weapons": tuple(reversed(d.weapons))})
        assert (await store.ingest(flipped, notify=False)).status == "unchanged"

    async def test_without_external_id_every_post_is_new(self, store: Store) -> None:
        a = await store.ingest(draft(external_id=None), notify=False)
        b = await store.ingest(draft(external_id=None), notify=False)
        assert a.id != b.id and await store.count_summaries() == 2

    async def test_derived_counts_round_trip(self, store: Store) -> None:
        out = await store.ingest(draft(drones=539, missiles=11, destroyed=268, suppressed=208, regions=("kyiv", "kyiv-city"), injured=23), notify=False)
        s = await store.get_summary(out.id)
        assert s is not None
        assert (s.launched, s.drones_launched, s.missiles_launched) == (550, 539, 11)
        assert s.neutralized == 476 and s.neutralization_rate == pytest.approx(476 / 550, abs=1e-4)
        assert s.regions == ("kyiv", "kyiv-city") and s.injured == 23 and s.killed is None
        assert s.period_end == NIGHT + timedelta(hours=12) and s.period_end.tzinfo is not None

    async def test_history_never_notifies(self, store: Store) -> None:
        await store.subscribe("telegram", "1")
        out = await store.ingest(draft(), notify=False)
        assert out.deliveries == 0 and await pending_actions(store) == []

    async def test_fan_out_follows_region_and_threshold_rules(self, store: Store) -> None:
        await store.subscribe("telegram", "all")
        await store.subscribe("telegram", "kyiv", regions=["kyiv-city"])
        await store.subscribe("telegram", "odesa", regions=["odesa"])
        await store.subscribe("telegram", "big", min_launched=500)
        gone = await store.subscribe("telegram", "gone")
        await store.update_subscription(gone.id, active=False)
        muted = await store.subscribe("telegram", "muted")
        await store.update_subscription(muted.id, muted_until=datetime.now(UTC) + timedelta(hours=8))

        await store.ingest(draft(external_id="a", regions=("kyiv-city", "kyiv")), notify=True)
        assert {c for c, *_ in await pending_actions(store)} == {"all", "kyiv"}
        await store.ingest(draft(external_id="b", regions=()), notify=True)
        assert {c for c, *_ in await pending_actions(store)} == {"all", "kyiv", "odesa"}
        await store.ingest(draft(external_id="c", drones=600, destroyed=500), notify=True)
        assert {c for c, *_ in await pending_actions(store)} == {"all", "kyiv", "odesa", "big"}

    async def test_macro_regions_reach_their_oblasts_and_back(self, store: Store) -> None:
        await store.subscribe("telegram", "odesa", regions=["odesa"])
        await store.subscribe("telegram", "south", regions=["south"])
        await store.subscribe("telegram", "lviv", regions=["lviv"])
        await store.ingest(draft(external_id="a", regions=("south",)), notify=True)
        assert {c for c, *_ in await pending_actions(store)} == {"odesa", "south"}
        await store.ingest(draft(external_id="b", regions=("odesa",)), notify=True)
        assert {c for c, *_ in await pending_actions(store)} == {"odesa", "south"}

    async def test_revision_edits_sent_messages_and_sends_to_new_matches(self, store: Store) -> None:
        await store.subscribe("telegram", "kyiv", regions=["kyiv-city"])
        await store.subscribe("telegram", "odesa", regions=["odesa"])
        await store.ingest(draft(regions=("kyiv-city",)), notify=True)
        assert await pending_actions(store) == [("kyiv", "send", 1)]
        out = await store.ingest(draft(regions=("kyiv-city", "odesa"), drones=130), notify=True)
        assert out.revision == 2
        assert sorted(await pending_actions(store)) == [("kyiv", "edit", 2), ("odesa", "send", 2)]
        # a correction that no longer matches Odesa still edits the message already there
        await store.ingest(draft(regions=("kyiv-city",), drones=140), notify=True)
        assert sorted(await pending_actions(store)) == [("kyiv", "edit", 3), ("odesa", "edit", 3)]

    async def test_retraction_edits_sent_and_drops_unsent(self, store: Store) -> None:
        await store.subscribe("telegram", "early")
        first = await store.ingest(draft(), notify=True)
        assert await pending_actions(store) == [("early", "send", 1)]
        await store.subscribe("telegram", "late")
        await store.ingest(draft(drones=150), notify=True)  # edit for early, send for late
        retracted = await store.retract(first.id)
        assert retracted is not None and retracted.status == "retracted"
        assert await pending_actions(store) == [("early", "retract", 2)]
        assert await store.latest(5) == []
        assert (await store.stats(since=None, until=None, region=None)).summaries == 0
        assert await store.retract(9999) is None

    async def test_revising_a_retracted_summary_sends_nothing(self, store: Store) -> None:
        await store.subscribe("telegram", "x")
        out = await store.ingest(draft(), notify=False)
        await store.retract(out.id)
        await store.ingest(draft(drones=5, destroyed=1), notify=True)
        assert await pending_actions(store) == []

    async def test_latest_orders_by_period_end_and_filters_region(self, store: Store) -> None:
        for i, region in enumerate(["kyiv-city", "odesa", "kyiv-city", "lviv"]):
            await store.ingest(draft(external_id=f"e{i}", regions=(region,), end=NIGHT + timedelta(days=i)), notify=False)
        assert [s.external_id for s in await store.latest(3)] == ["e3", "e2", "e1"]
        assert [s.external_id for s in await store.latest(5, region="kyiv-city")] == ["e2", "e0"]
        assert await store.latest(5, region="sumy") == []

    async def test_ingest_many_is_all_or_nothing(self, store: Store) -> None:
        good = draft(external_id="good")
        bad = draft(external_id="bad").model_copy(update={"period_start": NIGHT + timedelta(days=5)})
        with pytest.raises(StoreError):
            await store.ingest_many([good, bad], notify=False)
        assert await store.count_summaries() == 0

    async def test_history_merge_keeps_richer_fields(self, store: Store) -> None:
        await store.ingest(draft(injured=23, damage=("40 apartment buildings",)), notify=False)
        outs = await store.ingest_many([draft()], notify=False, merge_history=True)
        assert outs[0].status == "unchanged"
        outs = await store.ingest_many([draft(drones=101)], notify=False, merge_history=True)
        s = await store.get_summary(outs[0].id)
        assert s is not None and s.launched == 101 and s.injured == 23 and s.damage == ("40 apartment buildings",)
