"""Queue stats read from counters kept by the outbox writes stay exact through every change of a row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Store
from storage.models import DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult
from tests.storage.helpers import draft


def soon() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=1)


async def claim(store: Store, limit: int = 50) -> list[DeliveryJob]:
    return await store.claim_deliveries(now=soon(), limit=limit, lease_seconds=30)


def result(job: DeliveryJob, status: DeliveryStatus, **extra: object) -> DeliveryResult:
    return DeliveryResult(delivery_id=job.delivery.id, status=status, **extra)  # type: ignore[arg-type]


async def figures(store: Store, now: datetime | None = None) -> tuple[int, int, int, int, int]:
    """(pending, due, in_flight, dead, sent_24h) at `now` (default: a second from now)."""
    stats = await store.queue_stats(now=now or soon())
    return (stats.pending, stats.due, stats.in_flight, stats.dead, stats.sent_24h)


class TestQueueCounts:
    async def test_counts_follow_claims_results_retractions_and_prunes(self, store: Store) -> None:
        for chat in ("a", "b", "c"):
            await store.subscribe("telegram", chat)
        out = await store.ingest(draft(), notify=True)
        assert await figures(store) == (3, 3, 0, 0, 0)
        first, second = await claim(store, limit=2)
        assert await figures(store) == (3, 1, 2, 0, 0)
        retry_at = datetime.now(UTC) + timedelta(hours=1)
        await store.finish_deliveries([
            result(first, DeliveryStatus.SENT, platform_message_id="m1", message_revision=1),
            result(second, DeliveryStatus.PENDING, next_attempt_at=retry_at, error="429"),
        ])
        assert await figures(store) == (2, 1, 0, 0, 1)
        assert await figures(store, retry_at + timedelta(seconds=1)) == (2, 2, 0, 0, 1)
        (third,) = await claim(store)
        await store.finish_deliveries([result(third, DeliveryStatus.DEAD, error="502")])
        assert await figures(store) == (1, 0, 0, 1, 1)
        # the waiting retry is dropped, a retraction is queued where the alert went out
        await store.retract(out.id)
        assert await figures(store) == (1, 1, 0, 1, 1)
        (retraction,) = await claim(store)
        await store.finish_deliveries([result(retraction, DeliveryStatus.SENT, message_revision=1)])
        assert await figures(store) == (0, 0, 0, 1, 2)
        # the retraction and the dead row go; the alert's own sent row stays for corrections
        assert await store.prune_deliveries(before=soon()) >= 2
        assert await figures(store) == (0, 0, 0, 0, 1)

    async def test_a_send_leaves_the_24_hours_at_its_own_instant(self, store: Store) -> None:
        await store.subscribe("telegram", "a")
        await store.enqueue_broadcast("hello", created_by=None)
        (job,) = await claim(store)
        before = datetime.now(UTC)
        await store.finish_deliveries([result(job, DeliveryStatus.SENT, platform_message_id="m1")])
        after = datetime.now(UTC)
        day = timedelta(days=1)
        # windows starting inside the minute of the send, just before and just after it
        assert (await store.queue_stats(now=before + day - timedelta(milliseconds=1))).sent_24h == 1
        assert (await store.queue_stats(now=after + day + timedelta(milliseconds=1))).sent_24h == 0
        assert (await store.queue_stats(now=after + day + timedelta(minutes=2))).sent_24h == 0
        assert (await store.queue_stats(now=after)).sent_24h == 1
