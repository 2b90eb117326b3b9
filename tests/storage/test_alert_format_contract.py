"""The alert format of a subscription: full by default, stored, kept by other updates and across re-subscribe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Store
from storage.models import AlertFormat, DeliveryStatus
from tests.storage.helpers import draft


async def test_full_by_default_then_compact_and_back(store: Store) -> None:
    sub = await store.subscribe("telegram", "-100", "7")
    assert sub.format == AlertFormat.FULL
    compact = await store.update_subscription(sub.id, format=AlertFormat.COMPACT)
    assert compact.format == AlertFormat.COMPACT
    again = await store.get_subscription("telegram", "-100", "7")
    assert again is not None and again.format == "compact"
    assert (await store.update_subscription(sub.id, format=AlertFormat.FULL)).format == AlertFormat.FULL


async def test_other_updates_and_resubscribe_keep_the_format(store: Store) -> None:
    sub = await store.subscribe("discord", "55")
    await store.update_subscription(sub.id, format=AlertFormat.COMPACT)
    until = datetime.now(UTC) + timedelta(hours=1)
    assert (await store.update_subscription(sub.id, muted_until=until)).format == AlertFormat.COMPACT
    assert (await store.update_subscription(sub.id, quiet=(0, 60))).format == AlertFormat.COMPACT
    assert (await store.update_subscription(sub.id, locale="uk")).format == AlertFormat.COMPACT
    await store.update_subscription(sub.id, active=False)
    back = await store.subscribe("discord", "55", regions=["odesa"])
    assert back.id == sub.id and back.format == AlertFormat.COMPACT
    # changing the format leaves the rest alone
    full = await store.update_subscription(sub.id, format=AlertFormat.FULL)
    assert full.locale == "uk" and full.quiet == (0, 60) and full.muted_until is not None
    assert [s.format for s in await store.list_subscriptions(platform="discord")] == [AlertFormat.FULL]


async def test_an_unknown_format_is_refused(store: Store) -> None:
    sub = await store.subscribe("telegram", "1")
    with pytest.raises(ValueError):
        await store.update_subscription(sub.id, format="tiny")  # type: ignore[arg-type]
    after = await store.get_subscription_by_id(sub.id)
    assert after is not None and after.format == AlertFormat.FULL


async def test_claimed_deliveries_carry_the_format(store: Store) -> None:
    compact = await store.subscribe("telegram", "1")
    await store.update_subscription(compact.id, format=AlertFormat.COMPACT)
    await store.subscribe("telegram", "2")
    await store.ingest(draft(), notify=True)
    jobs = await store.claim_deliveries(now=datetime.now(UTC), limit=10, lease_seconds=30)
    assert {(j.subscription.chat_id, j.subscription.format) for j in jobs} == {
        ("1", AlertFormat.COMPACT),
        ("2", AlertFormat.FULL),
    }
    assert all(j.delivery.status == DeliveryStatus.PENDING for j in jobs)
