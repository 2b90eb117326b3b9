"""Lease holders: a holder renews what it still holds, and a lease taken over is the new holder's to finish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Store
from storage.models import DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult
from tests.storage.helpers import draft

# a little ahead of the rows queued in each test, whenever in the run the test runs
T0 = datetime.now(UTC) + timedelta(minutes=30)


async def claim(store: Store, holder: str, at: datetime = T0, limit: int = 50) -> list[DeliveryJob]:
    return await store.claim_deliveries(now=at, limit=limit, lease_seconds=10, holder=holder)


def retry(job: DeliveryJob) -> DeliveryResult:
    return DeliveryResult(
        delivery_id=job.delivery.id, status=DeliveryStatus.PENDING, next_attempt_at=T0, error="502: bad gateway"
    )


def sent(job: DeliveryJob) -> DeliveryResult:
    return DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.SENT, platform_message_id="m1")


class TestOutboxLeases:
    async def test_a_holder_renews_only_its_own_leases(self, store: Store) -> None:
        for chat in ("1", "2", "3"):
            await store.subscribe("telegram", chat)
        await store.ingest(draft(), notify=True)
        mine = await claim(store, "a", limit=2)
        theirs = await claim(store, "b")
        ids = [j.delivery.id for j in mine + theirs]
        renewed = await store.renew_deliveries(ids, holder="a", now=T0 + timedelta(seconds=5), lease_seconds=10)
        assert renewed == {j.delivery.id for j in mine}
        # after the first lease's end only b's rows, which b did not renew, can be claimed
        taken = await claim(store, "c", at=T0 + timedelta(seconds=12))
        assert {j.delivery.id for j in taken} == {j.delivery.id for j in theirs}

    async def test_a_lease_taken_over_is_no_longer_the_old_holders(self, store: Store) -> None:
        await store.subscribe("telegram", "1")
        await store.ingest(draft(), notify=True)
        (old,) = await claim(store, "a")
        # "a" stalled past its lease; "b" takes the row over
        (new,) = await claim(store, "b", at=T0 + timedelta(seconds=11))
        assert new.delivery.id == old.delivery.id
        assert await store.renew_deliveries([old.delivery.id], holder="a", now=T0, lease_seconds=10) == set()
        # a's late "try again" must not hand b's row back to the queue
        await store.finish_deliveries([retry(old)], holder="a")
        assert await claim(store, "c", at=T0 + timedelta(seconds=12)) == []
        stats = await store.queue_stats(now=T0 + timedelta(seconds=12))
        assert stats.in_flight == 1 and stats.last_error is None

    async def test_a_send_the_old_holder_did_make_is_recorded_and_ends_the_new_lease(self, store: Store) -> None:
        await store.subscribe("telegram", "1")
        await store.ingest(draft(), notify=True)
        (old,) = await claim(store, "a")
        await claim(store, "b", at=T0 + timedelta(seconds=11))
        await store.finish_deliveries([sent(old)], holder="a")
        # b learns at its next renewal that the row is done, and does not send it again
        assert await store.renew_deliveries([old.delivery.id], holder="b", now=T0, lease_seconds=10) == set()
        stats = await store.queue_stats(now=T0 + timedelta(seconds=12))
        assert (stats.pending, stats.sent_24h) == (0, 1)

    async def test_the_holder_finishes_its_own_rows_and_hands_back_the_rest(self, store: Store) -> None:
        for chat in ("1", "2"):
            await store.subscribe("telegram", chat)
        await store.ingest(draft(), notify=True)
        first, second = await claim(store, "a")
        await store.finish_deliveries([sent(first), retry(second)], holder="a")
        assert await store.renew_deliveries([second.delivery.id], holder="a", now=T0, lease_seconds=10) == set()
        (again,) = await claim(store, "b", at=T0 + timedelta(seconds=1))
        assert again.delivery.id == second.delivery.id
