"""Subscription statements in SQLite: one row per chat (and thread), also holding the chat's language."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

import aiosqlite

from storage.models import Subscription
from storage.rows import SUBSCRIPTION_COLUMNS
from storage.sqlite.fetch import first_row
from storage.sqlite.rows import param, row_reader
from storage.subscriptions import NewSubscription
from storage.timeutil import to_text

_BY_CHAT = "platform = ? AND chat_id = ? AND thread_id = ?"


class SqliteSubscriptions:
    """The subscription statements of the SQLite backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    async def _one(self, con: aiosqlite.Connection, where: str, args: tuple[Any, ...]) -> Subscription | None:
        row = await first_row(con, f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {where}", args)
        return self._rows.subscription(row) if row else None

    async def by_chat(
        self, con: aiosqlite.Connection, platform: str, chat_id: str, thread_id: str
    ) -> Subscription | None:
        """The chat's (or topic's) row, active or not."""
        return await self._one(con, _BY_CHAT, (platform, chat_id, thread_id))

    async def by_id(self, con: aiosqlite.Connection, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        return await self._one(con, "id = ?", (subscription_id,))

    async def subscribe(self, con: aiosqlite.Connection, new: NewSubscription, now: datetime) -> Subscription:
        """Insert or re-activate the chat's row with these filters."""
        await con.execute(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, regions, "
            "min_launched, active, created_by, created_at, updated_at) "
            "VALUES (:platform, :chat_id, :thread_id, coalesce(:locale, 'en'), :regions, :min_launched, 1, "
            ":created_by, :now, :now) "
            "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET regions = excluded.regions, "
            "min_launched = excluded.min_launched, active = 1, "
            "locale = coalesce(:locale, subscriptions.locale), "
            "created_by = coalesce(subscriptions.created_by, excluded.created_by), "
            "updated_at = excluded.updated_at",
            asdict(new) | {"regions": json.dumps(list(new.regions)), "now": to_text(now)},
        )
        sub = await self.by_chat(con, new.platform, new.chat_id, new.thread_id)
        assert sub is not None
        return sub

    async def update(
        self, con: aiosqlite.Connection, subscription_id: int, changes: Mapping[str, Any], now: datetime
    ) -> Subscription | None:
        """Set these columns and updated_at; None when there is no such row."""
        sets = ", ".join(["updated_at = :now", *(f"{name} = :{name}" for name in changes)])
        args = {name: param(value) for name, value in changes.items()} | {"id": subscription_id, "now": to_text(now)}
        await con.execute(f"UPDATE subscriptions SET {sets} WHERE id = :id", args)
        return await self.by_id(con, subscription_id)

    async def set_locale(
        self, con: aiosqlite.Connection, platform: str, chat_id: str, thread_id: str, locale: str, now: datetime
    ) -> Subscription:
        """Set the chat's language, inserting an inactive settings row if it has none."""
        await con.execute(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, active, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?) "
            "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET locale = excluded.locale, "
            "updated_at = excluded.updated_at",
            (platform, chat_id, thread_id, locale, to_text(now), to_text(now)),
        )
        sub = await self.by_chat(con, platform, chat_id, thread_id)
        assert sub is not None
        return sub

    async def deactivate_chat(self, con: aiosqlite.Connection, platform: str, chat_id: str, now: datetime) -> list[int]:
        """Switch off every active row of the chat: their ids."""
        rows = await con.execute_fetchall(
            "UPDATE subscriptions SET active = 0, updated_at = ? "
            "WHERE platform = ? AND chat_id = ? AND active = 1 RETURNING id",
            (to_text(now), platform, chat_id),
        )
        return [int(r[0]) for r in rows]

    async def ids_of_chat(self, con: aiosqlite.Connection, platform: str, chat_id: str) -> list[int]:
        """Every row of the chat."""
        rows = await con.execute_fetchall(
            "SELECT id FROM subscriptions WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        )
        return [int(r[0]) for r in rows]

    async def deactivate(self, con: aiosqlite.Connection, subscription_id: int, now: datetime) -> None:
        """Switch one row off."""
        await con.execute(
            "UPDATE subscriptions SET active = 0, updated_at = ? WHERE id = ?", (to_text(now), subscription_id)
        )

    async def skip_pending(self, con: aiosqlite.Connection, subscription_id: int, reason: str, now: datetime) -> None:
        """Mark the row's pending deliveries skipped with this reason."""
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ? "
            "WHERE subscription_id = ? AND status = 'pending'",
            (reason, to_text(now), subscription_id),
        )

    async def namesake(
        self, con: aiosqlite.Connection, subscription_id: int, new_chat_id: str
    ) -> tuple[int, bool] | None:
        """(id, active) of the row the new chat id already has in the same platform and thread."""
        row = await first_row(
            con,
            "SELECT n.id, n.active FROM subscriptions n JOIN subscriptions o ON o.id = ? "
            "WHERE n.platform = o.platform AND n.chat_id = ? AND n.thread_id = o.thread_id AND n.id != o.id",
            (subscription_id, new_chat_id),
        )
        return (int(row["id"]), bool(row["active"])) if row else None

    async def rename_chat(
        self, con: aiosqlite.Connection, subscription_id: int, new_chat_id: str, now: datetime
    ) -> None:
        """Point the row at the new chat id."""
        await con.execute(
            "UPDATE subscriptions SET chat_id = ?, updated_at = ? WHERE id = ?",
            (new_chat_id, to_text(now), subscription_id),
        )

    async def hand_over(self, con: aiosqlite.Connection, old_id: int, new_id: int, now: datetime) -> None:
        """The new row takes the old row's filters and state, and its queued alerts."""
        await con.execute(
            "UPDATE subscriptions SET (regions, min_launched, muted_until, quiet_start, quiet_end, "
            "format, active, updated_at) = (SELECT regions, min_launched, muted_until, quiet_start, "
            "quiet_end, format, active, ? FROM subscriptions WHERE id = ?) WHERE id = ?",
            (to_text(now), old_id, new_id),
        )
        await con.execute(
            "UPDATE deliveries SET subscription_id = ? WHERE subscription_id = ? AND status = 'pending' "
            "AND action = 'send'",
            (new_id, old_id),
        )

    async def select(self, con: aiosqlite.Connection, platform: str | None, active: bool | None) -> list[Subscription]:
        """Rows by id, optionally of one platform and activity."""
        where = ["1 = 1"]
        args: list[Any] = []
        if platform is not None:
            where.append("platform = ?")
            args.append(platform)
        if active is not None:
            where.append("active = ?")
            args.append(int(active))
        rows = await con.execute_fetchall(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {' AND '.join(where)} ORDER BY id",
            args,
        )
        return [self._rows.subscription(r) for r in rows]

    async def counts(self, con: aiosqlite.Connection) -> dict[str, int]:
        """Active rows by platform."""
        rows = await con.execute_fetchall(
            "SELECT platform, count(*) FROM subscriptions WHERE active = 1 GROUP BY platform",
        )
        return {r[0]: int(r[1]) for r in rows}
