"""Subscription and outbox contract: filters, language, migration, leases, results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Store
from storage.models import DeliveryStatus
from storage.outbox import DeliveryResult
from tests.storage.helpers import draft


class TestSubscriptions:
    async def test_subscribe_update_and_resubscribe(self, store: Store) -> None:
        sub = await store.subscribe("telegram", "-100", "7", regions=["odesa", "kyiv-city"], min_launched=50, created_by="telegram:1")
        assert (sub.thread_id, sub.regions, sub.min_launched, sub.active) == ("7", ("kyiv-city", "odesa"), 50, True)
        assert await store.get_subscription("telegram", "-100") is None  # the topic is its own target
        off = await store.update_subscription(sub.id, active=False)
        assert off.active is False and await store.list_subscriptions() == []
        again = await store.subscribe("telegram", "-100", "7")
        assert again.id == sub.id and again.active and again.regions == () and again.created_by == "telegram:1"
        assert await store.subscription_counts() == {"telegram": 1}

    async def test_language_survives_unsubscribed_chats(self, store: Store) -> None:
        row = await store.set_locale("discord", "55", None, "uk")
        assert row.locale == "uk" and row.active is False
        sub = await store.subscribe("discord", "55")
        assert sub.locale == "uk" and sub.active

    async def test_mute_and_unmute(self, store: Store) -> None:
        sub = await store.subscribe("telegram", "1")
        until = datetime.now(UTC) + timedelta(hours=8)
        muted = await store.update_subscription(sub.id, muted_until=until)
        assert muted.muted_until is not None and abs((muted.muted_until - until).total_seconds()) < 1
        assert (await store.update_subscription(sub.id, muted_until=None)).muted_until is None

    async def test_removed_bot_switches_off_every_thread_of_the_chat(self, store: Store) -> None:
        await store.subscribe("telegram", "-100", "1")
        await store.subscribe("telegram", "-100", "2")
        other = await store.subscribe("telegram", "-200")
        await store.ingest(draft(), notify=True)
        assert await store.deactivate_chat("telegram", "-100") == 2
        assert [s.id for s in await store.list_subscriptions()] == [other.id]
        jobs = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=30)
        assert [j.subscription.chat_id for j in jobs] == ["-200"]
        assert await store.deactivate_chat("telegram", "-100") == 0

    async def test_group_migration_moves_the_subscription(self, store: Store) -> None:
        sub = await store.subscribe("telegram", "-42")
        await store.move_chat("telegram", "-42", "-10042")
        moved = await store.get_subscription_by_id(sub.id)
        assert moved is not None and moved.chat_id == "-10042"


class TestOutbox:
    async def test_one_row_per_chat_in_order_and_leases_expire(self, store: Store) -> None:
        await store.subscribe("telegram", "a")
        await store.ingest(draft(external_id="x"), notify=True)
        await store.ingest(draft(external_id="y"), notify=True)
        now = datetime.now(UTC)
        first = await store.claim_deliveries(now=now, limit=10, lease_seconds=30)
        assert [j.summary.external_id for j in first if j.summary] == ["x"]
        assert await store.claim_deliveries(now=now, limit=10, lease_seconds=30) == []
        # the holder crashed: after the lease the row comes back, attempts counted
        back = await store.claim_deliveries(now=now + timedelta(seconds=31), limit=10, lease_seconds=30)
        assert [j.delivery.id for j in back] == [first[0].delivery.id] and back[0].delivery.attempts == 2
        await store.finish_deliveries([DeliveryResult(delivery_id=back[0].delivery.id, status=DeliveryStatus.SENT, platform_message_id="9", message_revision=1)])
        nxt = await store.claim_deliveries(now=now + timedelta(seconds=31), limit=10, lease_seconds=30)
        assert [j.summary.external_id for j in nxt if j.summary] == ["y"]

    async def test_edit_job_carries_the_sent_message(self, store: Store) -> None:
        await store.subscribe("telegram", "a")
        await store.ingest(draft(), notify=True)
        now = datetime.now(UTC)
        (job,) = await store.claim_deliveries(now=now, limit=10, lease_seconds=30)
        await store.finish_deliveries([DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.SENT, platform_message_id="77", message_revision=1)])
        await store.ingest(draft(drones=200, destroyed=100), notify=True)
        (edit,) = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=30)
        assert (edit.delivery.action, edit.message_id, edit.message_revision, edit.summary.revision if edit.summary else None) == ("edit", "77", 1, 2)

    async def test_retry_dead_and_deactivation(self, store: Store) -> None:
        await store.subscribe("telegram", "blocked")
        await store.subscribe("telegram", "flaky")
        await store.ingest(draft(external_id="x"), notify=True)
        await store.ingest(draft(external_id="y"), notify=True)
        now = datetime.now(UTC)
        jobs = {j.subscription.chat_id: j for j in await store.claim_deliveries(now=now, limit=10, lease_seconds=30)}
        later = now + timedelta(seconds=5)
        await store.finish_deliveries([
            DeliveryResult(delivery_id=jobs["blocked"].delivery.id, status=DeliveryStatus.DEAD, error="Forbidden: bot was blocked by the user", deactivate_subscription=True),
            DeliveryResult(delivery_id=jobs["flaky"].delivery.id, status=DeliveryStatus.PENDING, next_attempt_at=later, error="502 Bad Gateway"),
        ])
        assert await store.claim_deliveries(now=now, limit=10, lease_seconds=30) == []
        retry = await store.claim_deliveries(now=later, limit=10, lease_seconds=30)
        assert [(j.subscription.chat_id, j.summary.external_id if j.summary else None) for j in retry] == [("flaky", "x")]
        stats = await store.queue_stats(now=later)
        assert stats.dead == 1 and stats.in_flight == 1
        assert [s.chat_id for s in await store.list_subscriptions()] == ["flaky"]

    async def test_broadcast_reaches_every_active_chat(self, store: Store) -> None:
        await store.subscribe("telegram", "a")
        await store.subscribe("discord", "b", regions=["odesa"], min_launched=1000)
        assert await store.enqueue_broadcast("maintenance tonight", created_by="telegram:1") == 2
        jobs = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=30, platforms=["discord"])
        assert [(j.subscription.chat_id, j.broadcast_text) for j in jobs] == [("b", "maintenance tonight")]


class TestPruning:
    async def test_prune_keeps_what_a_correction_needs(self, store: Store) -> None:
        await store.subscribe("telegram", "a")
        await store.subscribe("telegram", "b")
        await store.ingest(draft(), notify=True)
        now = datetime.now(UTC)
        jobs = {j.subscription.chat_id: j for j in await store.claim_deliveries(now=now, limit=10, lease_seconds=30)}
        await store.finish_deliveries([
            DeliveryResult(delivery_id=jobs["a"].delivery.id, status=DeliveryStatus.SENT, platform_message_id="7", message_revision=1),
            DeliveryResult(delivery_id=jobs["b"].delivery.id, status=DeliveryStatus.DEAD, error="502"),
        ])
        await store.ingest(draft(drones=150), notify=True)  # revision 2: an edit for a
        (edit,) = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=30)
        await store.finish_deliveries([DeliveryResult(delivery_id=edit.delivery.id, status=DeliveryStatus.SENT, platform_message_id="7", message_revision=2)])
        await store.enqueue_broadcast("hello", created_by=None)  # to a and b
        sent_broadcast, waiting = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=30)
        await store.finish_deliveries([DeliveryResult(delivery_id=sent_broadcast.delivery.id, status=DeliveryStatus.SENT, platform_message_id="8")])

        assert await store.prune_deliveries(before=now - timedelta(days=1)) == 0  # nothing that old
        pruned = await store.prune_deliveries(before=datetime.now(UTC) + timedelta(seconds=1))
        assert pruned == 3  # the edit, the dead send, the sent broadcast; the sent alert row stays
        stats = await store.queue_stats(now=datetime.now(UTC))
        assert stats.dead == 0 and stats.pending == 1  # the broadcast still leased is untouched
        await store.finish_deliveries([DeliveryResult(delivery_id=waiting.delivery.id, status=DeliveryStatus.SENT, platform_message_id="9")])

        # a later correction still finds the message, and knows it shows revision 2
        await store.ingest(draft(drones=160), notify=True)
        jobs = await store.claim_deliveries(now=datetime.now(UTC) + timedelta(seconds=1), limit=10, lease_seconds=30)
        (edit3,) = [j for j in jobs if j.delivery.action == "edit"]
        assert (edit3.subscription.chat_id, edit3.message_id, edit3.message_revision) == ("a", "7", 2)
