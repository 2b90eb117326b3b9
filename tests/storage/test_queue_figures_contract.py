"""The outbox figures /status, /metrics and `strikebot status` show: each one right, before and after a prune."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from storage import Store
from storage.models import DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult
from tests.storage.helpers import draft


async def claim(store: Store, limit: int = 50) -> list[DeliveryJob]:
    return await store.claim_deliveries(now=datetime.now(UTC) + timedelta(seconds=1), limit=limit, lease_seconds=30)


def sent(job: DeliveryJob, message_id: str = "m1") -> DeliveryResult:
    return DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.SENT, platform_message_id=message_id)


def failed(job: DeliveryJob, status: DeliveryStatus, error: str) -> DeliveryResult:
    return DeliveryResult(
        delivery_id=job.delivery.id, status=status, error=error,
        next_attempt_at=datetime.now(UTC) + timedelta(hours=1) if status == DeliveryStatus.PENDING else None,
    )


async def sent_24h_at(store: Store, hours: float) -> int:
    return (await store.queue_stats(now=datetime.now(UTC) + timedelta(hours=hours))).sent_24h


class TestQueueFigures:
    async def test_sent_24h_counts_the_last_day_only_also_after_a_prune(self, store: Store) -> None:
        for chat in ("a", "b", "c"):
            await store.subscribe("telegram", chat)
        await store.enqueue_broadcast("one", created_by=None)
        jobs = await claim(store)
        # two batches: the prune merges their tallies and must keep the sum
        await store.finish_deliveries([sent(jobs[0])])
        await store.finish_deliveries([sent(jobs[1]), sent(jobs[2])])
        assert await sent_24h_at(store, 0) == 3
        # the rows themselves go (broadcast rows are not kept for corrections); the count of sends stays
        assert await store.prune_deliveries(before=datetime.now(UTC) + timedelta(minutes=1)) == 3
        assert (await sent_24h_at(store, 0), await sent_24h_at(store, 23), await sent_24h_at(store, 25)) == (3, 3, 0)
        await store.prune_deliveries(before=datetime.now(UTC) + timedelta(minutes=2))
        assert (await sent_24h_at(store, 0), await sent_24h_at(store, 23.5)) == (3, 3)

    async def test_a_send_reported_twice_counts_once_and_other_outcomes_not_at_all(self, store: Store) -> None:
        for chat in ("a", "b", "c"):
            await store.subscribe("telegram", chat)
        await store.ingest(draft(), notify=True)
        a, b, c = await claim(store)
        await store.finish_deliveries([sent(a), failed(b, DeliveryStatus.DEAD, "400"), failed(c, DeliveryStatus.SKIPPED, "x")])
        # a holder whose lease was taken over reports the same send again
        await store.finish_deliveries([sent(a, "m2")])
        assert await sent_24h_at(store, 0) == 1

    async def test_an_alert_revived_by_its_edit_counts_as_sent(self, store: Store) -> None:
        await store.subscribe("telegram", "1")
        await store.ingest(draft(), notify=True)
        (send,) = await claim(store)
        await store.ingest(draft(drones=120, destroyed=60), notify=True)  # an edit queued behind the send
        await store.finish_deliveries([failed(send, DeliveryStatus.DEAD, "502")])
        (edit,) = await claim(store)
        await store.finish_deliveries([replace(sent(edit, "m9"), message_revision=2)])
        stats = await store.queue_stats(now=datetime.now(UTC))
        # the edit row and the alert's own row, which now shows it, are both sent
        assert (stats.sent_24h, stats.dead) == (2, 0)

    async def test_a_batch_longer_than_one_statement_is_recorded_whole(self, store: Store) -> None:
        for chat in range(1100):
            await store.subscribe("telegram", str(chat))
        await store.enqueue_broadcast("one", created_by=None)
        jobs = await claim(store, limit=1100)
        results = [sent(job, f"m{job.delivery.id}") for job in jobs[:-2]]
        results += [failed(jobs[-2], DeliveryStatus.DEAD, "400 chat not found"), failed(jobs[-1], DeliveryStatus.PENDING, "429")]
        await store.finish_deliveries(results)
        stats = await store.queue_stats(now=datetime.now(UTC))
        assert (stats.sent_24h, stats.dead, stats.pending, stats.in_flight) == (1098, 1, 1, 0)
        # the rows' own outcomes, not only the tallies: nothing left leased, nothing sent twice
        assert await claim(store, limit=1100) == []

    async def test_pending_due_in_flight_and_oldest_due(self, store: Store) -> None:
        for chat in ("a", "b", "c", "d"):
            await store.subscribe("telegram", chat)
        await store.ingest(draft(), notify=True)
        jobs = await claim(store, limit=2)
        # one row leased, one back off for an hour, two never claimed
        await store.finish_deliveries([failed(jobs[1], DeliveryStatus.PENDING, "429")])
        now = datetime.now(UTC) + timedelta(seconds=10)
        stats = await store.queue_stats(now=now)
        assert (stats.pending, stats.due, stats.in_flight) == (4, 2, 1)
        assert 9 <= stats.oldest_due_age_seconds < 60
        # after the lease ran out the leased row is due again; after the back-off all four are
        stats = await store.queue_stats(now=now + timedelta(minutes=5))
        assert (stats.pending, stats.due, stats.in_flight) == (4, 3, 0)
        assert (await store.queue_stats(now=now + timedelta(hours=2))).due == 4

    async def test_last_error_is_the_newest_of_rows_not_sent(self, store: Store) -> None:
        for chat in ("a", "b", "c"):
            await store.subscribe("telegram", chat)
        await store.ingest(draft(), notify=True)
        a, b, c = await claim(store)
        await store.finish_deliveries([failed(b, DeliveryStatus.DEAD, "older: 502")])
        await store.finish_deliveries([failed(c, DeliveryStatus.PENDING, "newest: 429")])
        await store.finish_deliveries([sent(a)])
        assert (await store.queue_stats(now=datetime.now(UTC))).last_error == "newest: 429"
        (retry,) = await store.claim_deliveries(now=datetime.now(UTC) + timedelta(hours=2), limit=5, lease_seconds=30)
        await store.finish_deliveries([sent(retry)])  # a success clears the row's error
        assert (await store.queue_stats(now=datetime.now(UTC))).last_error == "older: 502"
