"""Source statements in PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from storage.sources import SeenPost, ShownCopy, SourceDraft, SourceState, shown_from_json, shown_to_json

_STATE = (
    "SELECT s.url, s.etag, s.last_modified, s.last_success, s.last_error, s.last_error_at, "
    "(SELECT count(*) FROM source_posts p WHERE p.source_url = s.url) AS seen FROM sources s"
)


def _state(row: Any) -> SourceState:
    return SourceState(
        url=row["url"], etag=row["etag"], last_modified=row["last_modified"], last_success=row["last_success"],
        last_error=row["last_error"], last_error_at=row["last_error_at"], posts_seen=int(row["seen"]),
    )


class PostgresSources:
    """The source statements of the PostgreSQL backend."""

    async def ensure(self, con: asyncpg.Connection, url: str) -> None:
        """Insert the source's row unless it exists."""
        await con.execute("INSERT INTO sources (url) VALUES ($1) ON CONFLICT (url) DO NOTHING", url)

    async def lease(self, con: asyncpg.Connection, url: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or extend the poll lease when free, expired or already `holder`'s (the row lock decides races)."""
        status = await con.execute(
            "UPDATE sources SET lease_holder = $1, lease_until = $2 WHERE url = $3 AND "
            "(lease_holder IS NULL OR lease_holder = $1 OR lease_until IS NULL OR lease_until <= $4)",
            holder, until, url, now,
        )
        return str(status).endswith(" 1")

    async def state(self, con: asyncpg.Connection, url: str) -> SourceState | None:
        """One source with the number of posts seen there."""
        row = await con.fetchrow(f"{_STATE} WHERE s.url = $1", url)
        return _state(row) if row else None

    async def states(self, con: asyncpg.Connection) -> list[SourceState]:
        """Every source, by URL."""
        return [_state(row) for row in await con.fetch(f"{_STATE} ORDER BY s.url")]

    async def posts(self, con: asyncpg.Connection, url: str) -> list[SeenPost]:
        """Every post seen at the source."""
        rows = await con.fetch(
            "SELECT post_id, content_hash, sort_key, report, deleted FROM source_posts WHERE source_url = $1 "
            "ORDER BY sort_key",
            url,
        )
        return [SeenPost(r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in rows]

    async def save_post(self, con: asyncpg.Connection, url: str, post: SeenPost, now: datetime) -> None:
        """Insert or replace what is known of one post."""
        await con.execute(
            "INSERT INTO source_posts (source_url, post_id, content_hash, sort_key, report, deleted, seen_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source_url, post_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, sort_key = excluded.sort_key, report = excluded.report, "
            "deleted = excluded.deleted",
            url, post.post_id, post.content_hash, post.sort_key, post.report, post.deleted, now,
        )

    async def succeeded(
        self, con: asyncpg.Connection, url: str, etag: str | None, last_modified: str | None, now: datetime
    ) -> None:
        """A poll worked: keep the validators and the time."""
        await con.execute(
            "UPDATE sources SET etag = coalesce($1, etag), last_modified = coalesce($2, last_modified), "
            "last_success = $3 WHERE url = $4",
            etag, last_modified, now, url,
        )

    async def failed(self, con: asyncpg.Connection, url: str, error: str, now: datetime) -> None:
        """A poll failed: keep a one-line reason and the time."""
        await con.execute("UPDATE sources SET last_error = $1, last_error_at = $2 WHERE url = $3", error, now, url)

    async def add_draft(self, con: asyncpg.Connection, draft: SourceDraft, now: datetime) -> None:
        """Keep a draft waiting for review (expired drafts dropped)."""
        await con.execute("DELETE FROM source_drafts WHERE expires_at <= $1", now)
        await con.execute(
            "INSERT INTO source_drafts (token, source_url, post_url, payload, shown, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            draft.token, draft.source_url, draft.post_url, draft.payload, shown_to_json(draft.shown), now,
            draft.expires_at,
        )

    async def set_shown(self, con: asyncpg.Connection, token: str, shown: Sequence[ShownCopy]) -> None:
        """Record where the draft's previews were shown."""
        await con.execute("UPDATE source_drafts SET shown = $1 WHERE token = $2", shown_to_json(shown), token)

    async def live_drafts(self, con: asyncpg.Connection, now: datetime) -> list[SourceDraft]:
        """Drafts still waiting for review, oldest first."""
        rows = await con.fetch(
            "SELECT token, source_url, post_url, payload, shown, expires_at FROM source_drafts "
            "WHERE expires_at > $1 ORDER BY created_at, token",
            now,
        )
        return [
            SourceDraft(
                r["token"], r["source_url"], r["post_url"], dict(r["payload"]), r["expires_at"], shown_from_json(r["shown"])
            )
            for r in rows
        ]

    async def take_draft(self, con: asyncpg.Connection, token: str, now: datetime) -> SourceDraft | None:
        """Delete and return a live draft; None when unknown, taken or expired (the row lock decides races)."""
        row = await con.fetchrow(
            "DELETE FROM source_drafts WHERE token = $1 AND expires_at > $2 "
            "RETURNING token, source_url, post_url, payload, shown, expires_at",
            token, now,
        )
        if row is None:
            return None
        return SourceDraft(
            row["token"], row["source_url"], row["post_url"], dict(row["payload"]), row["expires_at"],
            shown_from_json(row["shown"]),
        )
