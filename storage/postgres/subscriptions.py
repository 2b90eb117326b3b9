"""Subscription statements in PostgreSQL: one row per chat (and thread), also holding the chat's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from storage.models import Subscription
from storage.postgres.rows import row_reader
from storage.rows import SUBSCRIPTION_COLUMNS
from storage.subscriptions import NewSubscription

_BY_CHAT = f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND thread_id = $3"


class PostgresSubscriptions:
    """The subscription statements of the PostgreSQL backend."""

    def __init__(self) -> None:
        self._rows = row_reader()

    def _one(self, row: Any) -> Subscription | None:
        return self._rows.subscription(row) if row else None

    async def by_chat(
        self, con: asyncpg.Connection, platform: str, chat_id: str, thread_id: str
    ) -> Subscription | None:
        """The chat's (or topic's) row, active or not."""
        return self._one(await con.fetchrow(_BY_CHAT, platform, chat_id, thread_id))

    async def by_id(self, con: asyncpg.Connection, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        return self._one(await con.fetchrow(f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1", subscription_id))

    async def subscribe(self, con: asyncpg.Connection, new: NewSubscription, now: datetime) -> Subscription:
        """Insert or re-activate the chat's row with these filters."""
        row = await con.fetchrow(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, regions, "
            "min_launched, active, created_by, created_at, updated_at) "
            "VALUES ($1, $2, $3, coalesce($4, 'en'), $5, $6, true, $7, $8, $8) "
            "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET regions = excluded.regions, "
            "min_launched = excluded.min_launched, active = true, "
            "locale = coalesce($4, subscriptions.locale), "
            "created_by = coalesce(subscriptions.created_by, excluded.created_by), "
            f"updated_at = excluded.updated_at RETURNING {SUBSCRIPTION_COLUMNS}",
            new.platform,
            new.chat_id,
            new.thread_id,
            new.locale,
            list(new.regions),
            new.min_launched,
            new.created_by,
            now,
        )
        assert row is not None
        return self._rows.subscription(row)

    async def update(
        self, con: asyncpg.Connection, subscription_id: int, changes: Mapping[str, Any], now: datetime
    ) -> Subscription | None:
        """Set these columns and updated_at; None when there is no such row."""
        args: list[Any] = [subscription_id, now]
        sets = ["updated_at = $2"]
        for name, value in changes.items():
            args.append(value)
            # muted_until may be cleared with NULL, which needs its type spelled out
            cast = "::timestamptz" if name == "muted_until" else ""
            sets.append(f"{name} = ${len(args)}{cast}")
        return self._one(
            await con.fetchrow(f"UPDATE subscriptions SET {', '.join(sets)} WHERE id = $1 RETURNING {SUBSCRIPTION_COLUMNS}", *args)
        )

    async def set_locale(
        self, con: asyncpg.Connection, platform: str, chat_id: str, thread_id: str, locale: str, now: datetime
    ) -> Subscription:
        """Set the chat's language, inserting an inactive settings row if it has none."""
        row = await con.fetchrow(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, active, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, false, $5, $5) "
            "ON CONFLICT (platform, chat_id, thread_id) DO UPDATE SET locale = excluded.locale, "
            f"updated_at = excluded.updated_at RETURNING {SUBSCRIPTION_COLUMNS}",
            platform,
            chat_id,
            thread_id,
            locale,
            now,
        )
        assert row is not None
        return self._rows.subscription(row)

    async def deactivate_chat(self, con: asyncpg.Connection, platform: str, chat_id: str, now: datetime) -> list[int]:
        """Switch off every active row of the chat: their ids."""
        rows = await con.fetch(
            "UPDATE subscriptions SET active = false, updated_at = $3 "
            "WHERE platform = $1 AND chat_id = $2 AND active RETURNING id",
            platform,
            chat_id,
            now,
        )
        return [int(r["id"]) for r in rows]

    async def ids_of_chat(self, con: asyncpg.Connection, platform: str, chat_id: str) -> list[int]:
        """Every row of the chat."""
        rows = await con.fetch("SELECT id FROM subscriptions WHERE platform = $1 AND chat_id = $2", platform, chat_id)
        return [int(r["id"]) for r in rows]

    async def deactivate(self, con: asyncpg.Connection, subscription_id: int, now: datetime) -> None:
        """Switch one row off."""
        await con.execute("UPDATE subscriptions SET active = false, updated_at = $1 WHERE id = $2", now, subscription_id)

    async def skip_pending(self, con: asyncpg.Connection, subscription_id: int, reason: str, now: datetime) -> None:
        """Mark the row's pending deliveries skipped with this reason."""
        await con.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = $1, updated_at = $2 "
            "WHERE subscription_id = $3 AND status = 'pending'",
            reason,
            now,
            subscription_id,
        )

    async def namesake(self, con: asyncpg.Connection, subscription_id: int, new_chat_id: str) -> tuple[int, bool] | None:
        """(id, active) of the row the new chat id already has in the same platform and thread."""
        row = await con.fetchrow(
            "SELECT n.id, n.active FROM subscriptions n JOIN subscriptions o ON o.id = $1 "
            "WHERE n.platform = o.platform AND n.chat_id = $2 AND n.thread_id = o.thread_id AND n.id <> o.id",
            subscription_id,
            new_chat_id,
        )
        return (int(row["id"]), bool(row["active"])) if row else None

    async def rename_chat(self, con: asyncpg.Connection, subscription_id: int, new_chat_id: str, now: datetime) -> None:
        """Point the row at the new chat id."""
        await con.execute(
            "UPDATE subscriptions SET chat_id = $1, updated_at = $2 WHERE id = $3", new_chat_id, now, subscription_id
        )

    async def hand_over(self, con: asyncpg.Connection, old_id: int, new_id: int, now: datetime) -> None:
        """The new row takes the old row's filters and state, and its queued alerts."""
        await con.execute(
            "UPDATE subscriptions n SET regions = o.regions, min_launched = o.min_launched, "
            "muted_until = o.muted_until, quiet_start = o.quiet_start, quiet_end = o.quiet_end, "
            "format = o.format, active = o.active, updated_at = $3 "
            "FROM subscriptions o WHERE o.id = $1 AND n.id = $2",
            old_id,
            new_id,
            now,
        )
        await con.execute(
            "UPDATE deliveries SET subscription_id = $1 WHERE subscription_id = $2 AND status = 'pending' "
            "AND action = 'send'",
            new_id,
            old_id,
        )

    async def select(self, con: asyncpg.Connection, platform: str | None, active: bool | None) -> list[Subscription]:
        """Rows by id, optionally of one platform and activity."""
        where = ["true"]
        args: list[Any] = []
        if platform is not None:
            args.append(platform)
            where.append(f"platform = ${len(args)}")
        if active is not None:
            args.append(active)
            where.append(f"active = ${len(args)}")
        rows = await con.fetch(f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {' AND '.join(where)} ORDER BY id", *args)
        return [self._rows.subscription(r) for r in rows]

    async def counts(self, con: asyncpg.Connection) -> dict[str, int]:
        """Active rows by platform."""
        rows = await con.fetch("SELECT platform, count(*) AS n FROM subscriptions WHERE active GROUP BY platform")
        return {r["platform"]: int(r["n"]) for r in rows}
