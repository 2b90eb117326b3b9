"""The outbox figures behind /status and /metrics: exact while counting is quick, a fresh snapshot when it is slow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Store
from tests.storage.helpers import draft

# as if every count were slow: the snapshot path on a test-sized outbox
SLOW = {"live_below": 0.0, "max_age": 30.0}


class TestOutboxFigures:
    async def test_a_quick_count_is_done_for_every_reader(self, store: Store) -> None:
        now = datetime.now(UTC)
        await store.subscribe("telegram", "a")
        assert (await store.outbox_figures(now=now)).subscriptions == {"telegram": 1}
        await store.subscribe("telegram", "b")
        assert (await store.outbox_figures(now=now + timedelta(seconds=1))).subscriptions == {"telegram": 2}

    async def test_a_fresh_snapshot_is_reused_and_a_stale_one_recounted(self, store: Store) -> None:
        now = datetime.now(UTC)
        await store.subscribe("telegram", "a")
        first = await store.outbox_figures(now=now, **SLOW)
        assert (first.subscriptions, first.summaries, first.queue.pending) == ({"telegram": 1}, 0, 0)
        await store.subscribe("discord", "b")
        await store.ingest(draft(external_id="night-1"), notify=True)
        # within max_age: the stored figures, as they were counted
        assert await store.outbox_figures(now=now + timedelta(seconds=10), **SLOW) == first
        # older than max_age: counted anew, and kept for the next reader
        later = now + timedelta(seconds=31)
        recounted = await store.outbox_figures(now=later, **SLOW)
        assert recounted.taken_at == later
        assert (recounted.subscriptions, recounted.summaries, recounted.queue.pending) == (
            {"telegram": 1, "discord": 1}, 1, 2,
        )
        assert await store.outbox_figures(now=later + timedelta(seconds=1), **SLOW) == recounted

    async def test_older_figures_never_replace_newer_ones(self, store: Store) -> None:
        now = datetime.now(UTC)
        await store.subscribe("telegram", "a")
        newer = await store.refresh_outbox_figures(now=now)
        await store.subscribe("telegram", "b")
        # another process counted earlier and stores later: the newer snapshot stays
        older = await store.refresh_outbox_figures(now=now - timedelta(seconds=5))
        assert older.subscriptions == {"telegram": 2}
        assert await store.outbox_figures(now=now, **SLOW) == newer
