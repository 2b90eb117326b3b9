"""Subscriptions: one row per chat (and thread), also holding the chat's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from storage.errors import NotFound
from storage.models import KEEP, AlertFormat, Keep, Subscription, check_quiet
from storage.postgres.base import PostgresBase
from storage.postgres.rows import subscription_from_row
from storage.timeutil import utc, utcnow

_BY_CHAT = "SELECT * FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND thread_id = $3"


class SubscriptionsMixin(PostgresBase):
    """Subscription reads and writes for PostgresStore."""

    async def get_subscription(
        self, platform: str, chat_id: str, thread_id: str | None = None
    ) -> Subscription | None:
        """The chat's (or topic's) row, active or not."""
        async with self._read() as con:
            row = await con.fetchrow(_BY_CHAT, platform, chat_id, thread_id or "")
        return subscription_from_row(row) if row else None

    async def get_subscription_by_id(self, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        async with self._read() as con:
            row = await con.fetchrow("SELECT * FROM subscriptions WHERE id = $1", subscription_id)
        return subscription_from_row(row) if row else None

    async def subscribe(
        self,
        platform: str,
        chat_id: str,
        thread_id: str | None = None,
        *,
        regions: Sequence[str] = (),
        min_launched: int = 0,
        created_by: str | None = None,
        locale: str | None = None,
    ) -> Subscription:
        """Create or re-activate the chat's subscription with these filters."""
        async with self._tx() as con:
            row = await con.fetchrow(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, regions, "
                "min_launched, active, created_by, created_at, updated_at) "
                "VALUES ($1, $2, $3, coalesce($4, 'en'), $5, $6, true, $7, $8, $8) "
                "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET regions = excluded.regions, "
                "min_launched = excluded.min_launched, active = true, "
                "locale = coalesce($4, subscriptions.locale), "
                "created_by = coalesce(subscriptions.created_by, excluded.created_by), "
                "updated_at = excluded.updated_at RETURNING *",
                platform,
                chat_id,
                thread_id or "",
                locale,
                sorted(set(regions)),
                min_launched,
                created_by,
                utcnow(),
            )
        assert row is not None
        return subscription_from_row(row)

    async def update_subscription(
        self,
        subscription_id: int,
        *,
        locale: str | None = None,
        muted_until: datetime | None | Keep = KEEP,
        active: bool | None = None,
        quiet: tuple[int, int] | None | Keep = KEEP,
        format: AlertFormat | Keep = KEEP,
    ) -> Subscription:
        """Change some fields; KEEP leaves muted_until / quiet / format as they are, None clears them.

        `quiet` is (start, end) in minutes after local midnight; ValueError when out of range.
        """
        args: list[Any] = [subscription_id, utcnow()]
        sets = ["updated_at = $2"]
        if locale is not None:
            args.append(locale)
            sets.append(f"locale = ${len(args)}")
        if muted_until is not KEEP:
            args.append(utc(muted_until) if isinstance(muted_until, datetime) else None)
            sets.append(f"muted_until = ${len(args)}::timestamptz")
        if active is not None:
            args.append(active)
            sets.append(f"active = ${len(args)}")
        if quiet is not KEEP:
            args.extend(check_quiet(quiet))
            sets.append(f"quiet_start = ${len(args) - 1}, quiet_end = ${len(args)}")
        if format is not KEEP:
            args.append(AlertFormat(format).value)
            sets.append(f"format = ${len(args)}")
        async with self._tx() as con:
            row = await con.fetchrow(
                f"UPDATE subscriptions SET {', '.join(sets)} WHERE id = $1 RETURNING *", *args
            )
            if row is not None and active is False:
                await self._skip_pending(con, subscription_id, "unsubscribed")
        if row is None:
            raise NotFound(f"subscription {subscription_id}")
        return subscription_from_row(row)

    async def _skip_pending(self, con: asyncpg.Connection, subscription_id: int, reason: str) -> None:
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = $1, updated_at = $2 "
            "WHERE subscription_id = $3 AND status = 'pending'",
            reason,
            utcnow(),
            subscription_id,
        )

    async def set_locale(
        self, platform: str, chat_id: str, thread_id: str | None, locale: str
    ) -> Subscription:
        """Remember a chat's language, creating an inactive settings row if needed."""
        async with self._tx() as con:
            row = await con.fetchrow(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, active, "
                "created_at, updated_at) VALUES ($1, $2, $3, $4, false, $5, $5) "
                "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET locale = excluded.locale, "
                "updated_at = excluded.updated_at RETURNING *",
                platform,
                chat_id,
                thread_id or "",
                locale,
                utcnow(),
            )
        assert row is not None
        return subscription_from_row(row)

    async def deactivate_chat(self, platform: str, chat_id: str) -> int:
        """The bot was removed or blocked: switch off every subscription of the chat (all threads)."""
        async with self._tx() as con:
            rows = await con.fetch(
                "UPDATE subscriptions SET active = false, updated_at = $3 "
                "WHERE platform = $1 AND chat_id = $2 AND active RETURNING id",
                platform,
                chat_id,
                utcnow(),
            )
            for row in rows:
                await self._skip_pending(con, int(row["id"]), "bot removed from the chat")
        return len(rows)

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A group became a supergroup: its subscriptions follow the new id."""
        async with self._tx() as con:
            rows = await con.fetch(
                "SELECT id FROM subscriptions WHERE platform = $1 AND chat_id = $2", platform, old_chat_id
            )
            for row in rows:
                await self._move_subscription(con, int(row["id"]), new_chat_id)

    async def _move_subscription(self, con: asyncpg.Connection, subscription_id: int, new_chat_id: str) -> None:
        """Point a subscription at the chat's new id, merging with a row the new id already has."""
        now = utcnow()
        target = await con.fetchrow(
            "SELECT n.id, n.active FROM subscriptions n JOIN subscriptions o ON o.id = $1 "
            "WHERE n.platform = o.platform AND n.chat_id = $2 AND n.thread_id = o.thread_id AND n.id <> o.id",
            subscription_id,
            new_chat_id,
        )
        if target is None:
            await con.execute(
                "UPDATE subscriptions SET chat_id = $1, updated_at = $2 WHERE id = $3",
                new_chat_id,
                now,
                subscription_id,
            )
            return
        if target["active"]:
            # the new chat has alerts of its own: the old row's queue would only duplicate them
            await self._skip_pending(con, subscription_id, "chat moved to an id that is subscribed itself")
        else:
            # the new id only had a settings row (a /lang there): it takes over filters and queue
            await con.execute(
                "UPDATE subscriptions n SET regions = o.regions, min_launched = o.min_launched, "
                "muted_until = o.muted_until, quiet_start = o.quiet_start, quiet_end = o.quiet_end, "
                "format = o.format, active = o.active, updated_at = $3 "
                "FROM subscriptions o WHERE o.id = $1 AND n.id = $2",
                subscription_id,
                target["id"],
                now,
            )
            # queued alerts follow the chat; edits of messages left in the old chat do not
            # (the new chat gets the current text when its alert is sent)
            await con.execute(
                "UPDATE deliveries SET subscription_id = $1 WHERE subscription_id = $2 AND status = 'pending' "
                "AND action = 'send'",
                target["id"],
                subscription_id,
            )
            await self._skip_pending(con, subscription_id, "chat moved; the old chat's messages stay as they are")
        await con.execute(
            "UPDATE subscriptions SET active = false, updated_at = $1 WHERE id = $2", now, subscription_id
        )

    async def list_subscriptions(
        self, *, platform: str | None = None, active: bool | None = True
    ) -> list[Subscription]:
        """Subscriptions by id, optionally of one platform and activity."""
        where = ["true"]
        args: list[Any] = []
        if platform is not None:
            args.append(platform)
            where.append(f"platform = ${len(args)}")
        if active is not None:
            args.append(active)
            where.append(f"active = ${len(args)}")
        async with self._read() as con:
            rows = await con.fetch(
                f"SELECT * FROM subscriptions WHERE {' AND '.join(where)} ORDER BY id", *args
            )
        return [subscription_from_row(r) for r in rows]

    async def subscription_counts(self) -> dict[str, int]:
        """Active subscriptions by platform."""
        async with self._read() as con:
            rows = await con.fetch(
                "SELECT platform, count(*) AS n FROM subscriptions WHERE active GROUP BY platform"
            )
        return {r["platform"]: int(r["n"]) for r in rows}
