"""Quiet hours on a subscription: stored, cleared, kept by other updates and across re-subscribe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage import Store
from storage.models import Subscription

KYIV = ZoneInfo("Europe/Kyiv")
NIGHT = (23 * 60, 7 * 60)  # 23:00-07:00


async def test_quiet_hours_are_stored_and_cleared(store: Store) -> None:
    sub = await store.subscribe("telegram", "-100", "7")
    assert sub.quiet is None
    quiet = await store.update_subscription(sub.id, quiet=NIGHT)
    assert (quiet.quiet_start, quiet.quiet_end) == NIGHT
    again = await store.get_subscription("telegram", "-100", "7")
    assert again is not None and again.quiet == NIGHT
    cleared = await store.update_subscription(sub.id, quiet=None)
    assert cleared.quiet is None and cleared.quiet_start is None and cleared.quiet_end is None


async def test_other_updates_and_resubscribe_keep_quiet_hours(store: Store) -> None:
    sub = await store.subscribe("discord", "55")
    await store.update_subscription(sub.id, quiet=NIGHT)
    until = datetime.now(UTC) + timedelta(hours=1)
    assert (await store.update_subscription(sub.id, muted_until=until)).quiet == NIGHT
    assert (await store.update_subscription(sub.id, locale="uk")).quiet == NIGHT
    await store.update_subscription(sub.id, active=False)
    back = await store.subscribe("discord", "55", regions=["odesa"], min_launched=10)
    assert back.id == sub.id and back.active and back.quiet == NIGHT
    # changing the window leaves mute and language alone
    moved = await store.update_subscription(sub.id, quiet=(0, 360))
    assert moved.quiet == (0, 360) and moved.locale == "uk" and moved.muted_until is not None
    assert [s.quiet for s in await store.list_subscriptions(platform="discord")] == [(0, 360)]


@pytest.mark.parametrize("bad", [(-1, 60), (0, 1440), (60, 60)])
async def test_a_window_outside_the_day_is_refused(store: Store, bad: tuple[int, int]) -> None:
    sub = await store.subscribe("telegram", "1")
    with pytest.raises(ValueError):
        await store.update_subscription(sub.id, quiet=bad)
    after = await store.get_subscription_by_id(sub.id)
    assert after is not None and after.quiet is None


def _sub(start: int | None, end: int | None) -> Subscription:
    return Subscription(
        id=1, platform="telegram", chat_id="1", quiet_start=start, quiet_end=end, created_at=datetime.now(UTC)
    )


def _kyiv(hour: int, minute: int = 0) -> datetime:
    # July: Kyiv is UTC+3, so this is the wall-clock time a Kyiv reader sees
    return datetime(2025, 7, 4, hour, minute, tzinfo=KYIV).astimezone(UTC)


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(22, 59, False), (23, 0, True), (0, 0, True), (3, 30, True), (6, 59, True), (7, 0, False), (12, 0, False)],
)
def test_a_window_across_midnight(hour: int, minute: int, quiet: bool) -> None:
    assert _sub(*NIGHT).is_quiet(_kyiv(hour, minute), KYIV) is quiet


def test_a_window_within_one_day_and_no_window() -> None:
    afternoon = _sub(13 * 60, 15 * 60)
    assert afternoon.is_quiet(_kyiv(14), KYIV)
    assert not afternoon.is_quiet(_kyiv(15), KYIV) and not afternoon.is_quiet(_kyiv(12, 59), KYIV)
    assert not _sub(None, None).is_quiet(_kyiv(3), KYIV)


def test_the_window_is_read_in_the_given_timezone() -> None:
    # 21:30 UTC is 00:30 in Kyiv (quiet) and 21:30 in UTC (not yet)
    at = datetime(2025, 7, 3, 21, 30, tzinfo=UTC)
    assert _sub(*NIGHT).is_quiet(at, KYIV)
    assert not _sub(*NIGHT).is_quiet(at, ZoneInfo("UTC"))
