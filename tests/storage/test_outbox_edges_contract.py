"""Outbox edge cases found in review: unsubscribing mid-flight, moved chats, corrections that no
longer match, alerts that went out through an edit row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from storage import Store
from storage.models import DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult
from tests.storage.helpers import draft


async def claim(store: Store) -> list[DeliveryJob]:
    return await store.claim_deliveries(now=datetime.now(UTC) + timedelta(seconds=1), limit=50, lease_seconds=30)


def sent(job: DeliveryJob, message_id: str = "m1") -> DeliveryResult:
    return DeliveryResult(
        delivery_id=job.delivery.id, status=DeliveryStatus.SENT, platform_message_id=message_id,
        message_revision=job.summary.revision if job.summary else None,
    )


class TestOutboxEdges:
    async def test_unsubscribed_while_in_flight_is_not_retried(self, store: Store) -> None:
        sub = await store.subscribe("telegram", "1")
        await store.ingest(draft(), notify=True)
        (job,) = await claim(store)
        await store.update_subscription(sub.id, active=False)
        retry = DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.PENDING,
                               next_attempt_at=datetime.now(UTC), error="502")
        await store.finish_deliveries([retry])
        assert await claim(store) == []
        assert (await store.queue_stats(now=datetime.now(UTC))).pending == 0

    async def test_group_moving_onto_a_settings_row_keeps_filters_and_queue(self, store: Store) -> None:
        await store.subscribe("telegram", "-1", regions=["kyiv-city"], min_launched=5)
        await store.set_locale("telegram", "-100200", None, "uk")  # someone ran /lang in the supergroup
        await store.ingest(draft(external_id="a", regions=("kyiv-city",)), notify=True)
        await store.ingest(draft(external_id="b", regions=("kyiv-city",)), notify=True)
        (first,) = await claim(store)
        moved = replace(sent(first), moved_to_chat_id="-100200")
        await store.finish_deliveries([moved])
        (active,) = await store.list_subscriptions()
        assert (active.chat_id, active.regions, active.min_launched, active.locale) == ("-100200", ("kyiv-city",), 5, "uk")
        (second,) = await claim(store)  # the queued alert follows the chat
        assert (second.subscription.chat_id, second.summary.external_id if second.summary else None) == ("-100200", "b")

    async def test_group_moving_onto_a_subscribed_chat_sends_nothing_twice(self, store: Store) -> None:
        await store.subscribe("telegram", "-1")
        await store.subscribe("telegram", "-100300")
        await store.ingest(draft(external_id="a"), notify=True)
        await store.ingest(draft(external_id="b"), notify=True)
        jobs = {j.subscription.chat_id: j for j in await claim(store)}
        await store.finish_deliveries([
            replace(sent(jobs["-1"]), moved_to_chat_id="-100300"),
            sent(jobs["-100300"]),
        ])
        later = await claim(store)
        assert [(j.subscription.chat_id, j.summary.external_id if j.summary else None) for j in later] == [("-100300", "b")]
        assert [s.chat_id for s in await store.list_subscriptions()] == ["-100300"]

    async def test_correction_that_no_longer_matches_drops_the_unsent_alert(self, store: Store) -> None:
        await store.subscribe("telegram", "kyiv", regions=["kyiv-city"], min_launched=50)
        await store.ingest(draft(regions=("kyiv-city",), drones=100, destroyed=50), notify=True)
        await store.ingest(draft(regions=("lviv",), drones=10, destroyed=5, suppressed=0), notify=True)
        assert await claim(store) == []

    async def test_alert_sent_by_an_edit_row_is_corrected_and_withdrawn_later(self, store: Store) -> None:
        await store.subscribe("telegram", "1")
        out = await store.ingest(draft(), notify=True)
        (send,) = await claim(store)
        await store.finish_deliveries([DeliveryResult(delivery_id=send.delivery.id, status=DeliveryStatus.DEAD, error="502")])
        # a correction: the chat never got the alert, so nothing to edit and no new send either
        await store.ingest(draft(drones=120, destroyed=60), notify=True)
        assert await claim(store) == []
        # the dispatcher may still deliver a pending edit as a new message (its send had failed)
        await store.subscribe("telegram", "2")
        await store.ingest(draft(drones=130, destroyed=60), notify=True)
        (new_send,) = await claim(store)
        await store.finish_deliveries([sent(new_send, "m2")])
        await store.ingest(draft(drones=140, destroyed=60), notify=True)
        (edit,) = await claim(store)
        assert (edit.subscription.chat_id, edit.message_id) == ("2", "m2")
        await store.finish_deliveries([sent(edit, "m2")])
        await store.retract(out.id)
        (retract,) = await claim(store)
        assert (retract.delivery.action, retract.message_id, retract.message_revision) == ("retract", "m2", 4)

    async def test_edit_delivered_as_a_new_message_becomes_the_alert(self, store: Store) -> None:
        await store.subscribe("telegram", "1")
        out = await store.ingest(draft(), notify=True)
        (send,) = await claim(store)
        # leased when the correction arrives: the edit is queued behind it
        await store.ingest(draft(drones=120, destroyed=60), notify=True)
        await store.finish_deliveries([DeliveryResult(delivery_id=send.delivery.id, status=DeliveryStatus.DEAD, error="502")])
        (edit,) = await claim(store)
        assert edit.message_id is None  # nothing to edit: the dispatcher sends it as a new message
        await store.finish_deliveries([sent(edit, "m9")])
        await store.retract(out.id)
        (retract,) = await claim(store)
        assert (retract.message_id, retract.message_revision) == ("m9", 2)

    async def test_queue_stats_counts_recent_sends_and_the_latest_error(self, store: Store) -> None:
        await store.subscribe("telegram", "a")
        await store.subscribe("telegram", "b")
        await store.subscribe("telegram", "c")
        await store.ingest(draft(), notify=True)
        jobs = {j.subscription.chat_id: j for j in await claim(store)}
        await store.finish_deliveries([sent(jobs["a"])])
        await store.finish_deliveries([DeliveryResult(delivery_id=jobs["b"].delivery.id, status=DeliveryStatus.DEAD, error="502 Bad Gateway")])
        stats = await store.queue_stats(now=datetime.now(UTC))
        assert (stats.sent_24h, stats.dead, stats.pending, stats.last_error) == (1, 1, 1, "502 Bad Gateway")
        await store.finish_deliveries([DeliveryResult(delivery_id=jobs["c"].delivery.id, status=DeliveryStatus.SKIPPED, error="gone: blocked", deactivate_subscription=True)])
        stats = await store.queue_stats(now=datetime.now(UTC))
        assert (stats.pending, stats.last_error) == (0, "gone: blocked")
        assert (await store.queue_stats(now=datetime.now(UTC) + timedelta(days=2))).sent_24h == 0

    async def test_send_already_moved_by_the_migration_update_keeps_the_chat_on(self, store: Store) -> None:
        await store.subscribe("telegram", "-1")
        await store.ingest(draft(), notify=True)
        (job,) = await claim(store)
        await store.move_chat("telegram", "-1", "-100")  # Telegram's service message came first
        await store.finish_deliveries([replace(sent(job), moved_to_chat_id="-100")])
        (sub,) = await store.list_subscriptions()
        assert (sub.chat_id, sub.active) == ("-100", True)
        await store.ingest(draft(external_id="next"), notify=True)
        assert [j.subscription.chat_id for j in await claim(store)] == ["-100"]

    async def test_corrections_and_retractions_skip_switched_off_chats(self, store: Store) -> None:
        sub = await store.subscribe("telegram", "1")
        out = await store.ingest(draft(), notify=True)
        (job,) = await claim(store)
        await store.finish_deliveries([sent(job)])
        await store.update_subscription(sub.id, active=False)
        await store.ingest(draft(drones=150), notify=True)
        await store.retract(out.id)
        later = datetime.now(UTC) + timedelta(days=3)
        stats = await store.queue_stats(now=later)
        assert (stats.pending, stats.oldest_due_age_seconds) == (0, 0.0)

    async def test_a_dropped_alert_comes_back_when_a_later_correction_matches_again(self, store: Store) -> None:
        await store.subscribe("telegram", "kyiv", regions=["kyiv-city"])
        await store.ingest(draft(regions=("kyiv-city",)), notify=True)
        await store.ingest(draft(regions=("lviv",)), notify=True)  # the unsent alert is dropped
        assert await claim(store) == []
        await store.ingest(draft(regions=("kyiv-city",), drones=120), notify=True)
        (job,) = await claim(store)
        assert (job.subscription.chat_id, job.delivery.action, job.summary.revision if job.summary else 0) == ("kyiv", "send", 3)

    async def test_edits_queued_for_the_old_chat_do_not_follow_a_move(self, store: Store) -> None:
        await store.subscribe("telegram", "-1")
        await store.set_locale("telegram", "-100", None, "en")  # a settings row at the new id
        await store.ingest(draft(external_id="a"), notify=True)
        (first,) = await claim(store)  # in flight when the correction arrives
        await store.ingest(draft(external_id="a", drones=150), notify=True)  # an edit queued behind it
        await store.ingest(draft(external_id="b"), notify=True)  # and a new alert
        # the send comes back MOVED: the dispatcher resends the current text to the new id
        await store.finish_deliveries([replace(sent(first), moved_to_chat_id="-100")])
        later = await claim(store)
        assert [(j.subscription.chat_id, j.delivery.action, j.summary.external_id if j.summary else None) for j in later] == [
            ("-100", "send", "b")
        ]
