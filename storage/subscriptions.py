"""Subscription rules written once: what an update sets, and how a chat follows its new id.

The backend gives the statements (`SubscriptionSql`), inside the caller's
transaction; times are aware UTC datetimes, a chat without a thread is ''.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from storage.models import KEEP, AlertFormat, Keep, Subscription, check_quiet
from storage.timeutil import utc

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


@dataclass(frozen=True)
class NewSubscription:
    """A subscribe call as the backends store it: '' for no thread, regions distinct and sorted."""

    platform: str
    chat_id: str
    thread_id: str
    regions: tuple[str, ...]
    min_launched: int
    created_by: str | None
    locale: str | None


class SubscriptionSql(Protocol[C_contra]):
    """The subscription statements of a backend."""

    async def by_chat(self, con: C_contra, platform: str, chat_id: str, thread_id: str) -> Subscription | None:
        """The chat's (or topic's) row, active or not."""
        ...

    async def by_id(self, con: C_contra, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        ...

    async def subscribe(self, con: C_contra, new: NewSubscription, now: datetime) -> Subscription:
        """Insert or re-activate the row with these filters; a known chat keeps its creator and, without locale, its language."""
        ...

    async def update(
        self, con: C_contra, subscription_id: int, changes: Mapping[str, Any], now: datetime
    ) -> Subscription | None:
        """Set these columns and updated_at; None when there is no such row."""
        ...

    async def set_locale(
        self, con: C_contra, platform: str, chat_id: str, thread_id: str, locale: str, now: datetime
    ) -> Subscription:
        """Set the chat's language, inserting an inactive settings row if it has none."""
        ...

    async def deactivate_chat(self, con: C_contra, platform: str, chat_id: str, now: datetime) -> list[int]:
        """Switch off every active row of the chat (all threads): their ids."""
        ...

    async def ids_of_chat(self, con: C_contra, platform: str, chat_id: str) -> list[int]:
        """Every row of the chat, active or not."""
        ...

    async def deactivate(self, con: C_contra, subscription_id: int, now: datetime) -> None:
        """Switch one row off."""
        ...

    async def skip_pending(self, con: C_contra, subscription_id: int, reason: str, now: datetime) -> None:
        """Mark the row's pending deliveries skipped with this reason."""
        ...

    async def namesake(self, con: C_contra, subscription_id: int, new_chat_id: str) -> tuple[int, bool] | None:
        """(id, active) of the row the new chat id already has in the same platform and thread, if any."""
        ...

    async def rename_chat(self, con: C_contra, subscription_id: int, new_chat_id: str, now: datetime) -> None:
        """Point the row at the new chat id."""
        ...

    async def hand_over(self, con: C_contra, old_id: int, new_id: int, now: datetime) -> None:
        """The new row takes the old row's filters and state, and its queued alerts (not edits or retractions)."""
        ...

    async def select(self, con: C_contra, platform: str | None, active: bool | None) -> list[Subscription]:
        """Rows by id, optionally of one platform and activity."""
        ...

    async def counts(self, con: C_contra) -> dict[str, int]:
        """Active rows by platform."""
        ...


def subscription_changes(
    *,
    locale: str | None,
    muted_until: datetime | Keep | None,
    active: bool | None,
    quiet: tuple[int, int] | Keep | None,
    format: AlertFormat | Keep,
) -> dict[str, Any]:
    """The columns an update_subscription call sets (ValueError for a bad quiet window or format)."""
    changes: dict[str, Any] = {}
    if locale is not None:
        changes["locale"] = locale
    if muted_until is not KEEP:
        changes["muted_until"] = utc(muted_until) if isinstance(muted_until, datetime) else None
    if active is not None:
        changes["active"] = active
    if quiet is not KEEP:
        changes["quiet_start"], changes["quiet_end"] = check_quiet(quiet)
    if format is not KEEP:
        changes["format"] = AlertFormat(format).value
    return changes


async def move_subscription(
    sql: SubscriptionSql[C], con: C, subscription_id: int, new_chat_id: str, now: datetime
) -> None:
    """Point a subscription at the chat's new id, merging with a row the new id already has."""
    target = await sql.namesake(con, subscription_id, new_chat_id)
    if target is None:
        await sql.rename_chat(con, subscription_id, new_chat_id, now)
        return
    target_id, target_active = target
    if target_active:
        # the new chat has alerts of its own: the old row's queue would only duplicate them
        await sql.skip_pending(con, subscription_id, "chat moved to an id that is subscribed itself", now)
    else:
        # the new id only had a settings row (a /lang there): it takes over filters and queue;
        # edits of messages left in the old chat do not follow (the new chat gets the
        # current text when its alert is sent)
        await sql.hand_over(con, subscription_id, target_id, now)
        await sql.skip_pending(con, subscription_id, "chat moved; the old chat's messages stay as they are", now)
    await sql.deactivate(con, subscription_id, now)
