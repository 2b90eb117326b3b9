"""Subscriptions: one row per chat (and thread), also holding the chat's language."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.errors import NotFound
from storage.models import KEEP, AlertFormat, Keep, Subscription, check_quiet
from storage.sqlite.base import SqliteBase
from storage.sqlite.rows import subscription_from_row
from storage.timeutil import to_text, utcnow


class SubscriptionsMixin(SqliteBase):
    """Subscription reads and writes for SqliteStore."""

    async def _sub_by(self, db: aiosqlite.Connection, where: str, args: tuple[Any, ...]) -> Subscription | None:
        async with db.execute(f"SELECT * FROM subscriptions WHERE {where}", args) as cur:
            row = await cur.fetchone()
        return subscription_from_row(row) if row else None

    async def get_subscription(
        self, platform: str, chat_id: str, thread_id: str | None = None
    ) -> Subscription | None:
        async with self._read() as db:
            return await self._sub_by(
                db,
                "platform = ? AND chat_id = ? AND thread_id = ?",
                (platform, chat_id, thread_id or ""),
            )

    async def get_subscription_by_id(self, subscription_id: int) -> Subscription | None:
        async with self._read() as db:
            return await self._sub_by(db, "id = ?", (subscription_id,))

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
        now = to_text(utcnow())
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, regions, "
                "min_launched, active, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, coalesce(?, 'en'), ?, ?, 1, ?, ?, ?) "
                "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET regions = excluded.regions, "
                "min_launched = excluded.min_launched, active = 1, "
                "locale = coalesce(?, subscriptions.locale), "
                "created_by = coalesce(subscriptions.created_by, excluded.created_by), "
                "updated_at = excluded.updated_at",
                (
                    platform,
                    chat_id,
                    thread_id or "",
                    locale,
                    json.dumps(sorted(set(regions))),
                    min_launched,
                    created_by,
                    now,
                    now,
                    locale,
                ),
            )
            sub = await self._sub_by(
                db, "platform = ? AND chat_id = ? AND thread_id = ?", (platform, chat_id, thread_id or "")
            )
        assert sub is not None
        return sub

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
        sets = ["updated_at = :now"]
        args: dict[str, Any] = {"id": subscription_id, "now": to_text(utcnow())}
        if locale is not None:
            sets.append("locale = :locale")
            args["locale"] = locale
        if muted_until is not KEEP:
            sets.append("muted_until = :muted")
            args["muted"] = to_text(muted_until) if isinstance(muted_until, datetime) else None
        if active is not None:
            sets.append("active = :active")
            args["active"] = int(active)
        if quiet is not KEEP:
            sets.append("quiet_start = :quiet_start, quiet_end = :quiet_end")
            args["quiet_start"], args["quiet_end"] = check_quiet(quiet)
        if format is not KEEP:
            sets.append("format = :format")
            args["format"] = AlertFormat(format).value
        async with self._tx() as db:
            await db.execute(f"UPDATE subscriptions SET {', '.join(sets)} WHERE id = :id", args)
            if active is False:
                await self._skip_pending(db, subscription_id, "unsubscribed")
            sub = await self._sub_by(db, "id = ?", (subscription_id,))
        if sub is None:
            raise NotFound(f"subscription {subscription_id}")
        return sub

    async def _skip_pending(self, db: aiosqlite.Connection, subscription_id: int, reason: str) -> None:
        await db.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ? "
            "WHERE subscription_id = ? AND status = 'pending'",
            (reason, to_text(utcnow()), subscription_id),
        )

    async def set_locale(
        self, platform: str, chat_id: str, thread_id: str | None, locale: str
    ) -> Subscription:
        now = to_text(utcnow())
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, active, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?) "
                "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET locale = excluded.locale, "
                "updated_at = excluded.updated_at",
                (platform, chat_id, thread_id or "", locale, now, now),
            )
            sub = await self._sub_by(
                db, "platform = ? AND chat_id = ? AND thread_id = ?", (platform, chat_id, thread_id or "")
            )
        assert sub is not None
        return sub

    async def deactivate_chat(self, platform: str, chat_id: str) -> int:
        """The bot was removed or blocked: switch off every subscription of the chat (all threads)."""
        async with self._tx() as db:
            async with db.execute(
                "UPDATE subscriptions SET active = 0, updated_at = ? "
                "WHERE platform = ? AND chat_id = ? AND active = 1 RETURNING id",
                (to_text(utcnow()), platform, chat_id),
            ) as cur:
                ids = [int(r[0]) for r in await cur.fetchall()]
            for subscription_id in ids:
                await self._skip_pending(db, subscription_id, "bot removed from the chat")
        return len(ids)

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        async with self._tx() as db:
            async with db.execute(
                "SELECT id FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, old_chat_id)
            ) as cur:
                ids = [int(r[0]) for r in await cur.fetchall()]
            for subscription_id in ids:
                await self._move_subscription(db, subscription_id, new_chat_id)

    async def _move_subscription(self, db: aiosqlite.Connection, subscription_id: int, new_chat_id: str) -> None:
        """Point a subscription at the chat's new id, merging with a row the new id already has."""
        now = to_text(utcnow())
        cur = await db.execute(
            "UPDATE OR IGNORE subscriptions SET chat_id = ?, updated_at = ? WHERE id = ?",
            (new_chat_id, now, subscription_id),
        )
        if cur.rowcount:
            return
        async with db.execute(
            "SELECT n.id, n.active FROM subscriptions n JOIN subscriptions o ON o.id = ? "
            "WHERE n.platform = o.platform AND n.chat_id = ? AND n.thread_id = o.thread_id AND n.id != o.id",
            (subscription_id, new_chat_id),
        ) as c:
            target = await c.fetchone()
        if target is None:
            return
        if target["active"]:
            # the new chat has alerts of its own: the old row's queue would only duplicate them
            await self._skip_pending(db, subscription_id, "chat moved to an id that is subscribed itself")
        else:
            # the new id only had a settings row (a /lang there): it takes over filters and queue
            await db.execute(
                "UPDATE subscriptions SET (regions, min_launched, muted_until, quiet_start, quiet_end, "
                "format, active, updated_at) = (SELECT regions, min_launched, muted_until, quiet_start, "
                "quiet_end, format, active, ? FROM subscriptions WHERE id = ?) WHERE id = ?",
                (now, subscription_id, target["id"]),
            )
            # queued alerts follow the chat; edits of messages left in the old chat do not
            # (the new chat gets the current text when its alert is sent)
            await db.execute(
                "UPDATE deliveries SET subscription_id = ? WHERE subscription_id = ? AND status = 'pending' "
                "AND action = 'send'",
                (target["id"], subscription_id),
            )
            await self._skip_pending(db, subscription_id, "chat moved; the old chat's messages stay as they are")
        await db.execute(
            "UPDATE subscriptions SET active = 0, updated_at = ? WHERE id = ?", (now, subscription_id)
        )

    async def list_subscriptions(
        self, *, platform: str | None = None, active: bool | None = True
    ) -> list[Subscription]:
        where = ["1 = 1"]
        args: list[Any] = []
        if platform is not None:
            where.append("platform = ?")
            args.append(platform)
        if active is not None:
            where.append("active = ?")
            args.append(int(active))
        async with self._read() as db:
            async with db.execute(
                f"SELECT * FROM subscriptions WHERE {' AND '.join(where)} ORDER BY id", args
            ) as cur:
                rows = await cur.fetchall()
        return [subscription_from_row(r) for r in rows]

    async def subscription_counts(self) -> dict[str, int]:
        async with self._read() as db:
            async with db.execute(
                "SELECT platform, count(*) FROM subscriptions WHERE active = 1 GROUP BY platform"
            ) as cur:
                rows = await cur.fetchall()
        return {r[0]: int(r[1]) for r in rows}
