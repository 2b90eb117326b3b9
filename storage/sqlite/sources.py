"""Source statements in SQLite: times as sortable UTC text, flags as 0 / 1."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.sources import SeenPost, ShownCopy, SourceDraft, SourceState, shown_from_json, shown_to_json
from storage.sqlite.fetch import first_row
from storage.timeutil import from_text, to_text

_STATE = (
    "SELECT s.url, s.etag, s.last_modified, s.last_success, s.last_error, s.last_error_at, "
    "(SELECT count(*) FROM source_posts p WHERE p.source_url = s.url) FROM sources s"
)


def _time(text: str | None) -> datetime | None:
    return from_text(text) if text else None


def _state(row: aiosqlite.Row) -> SourceState:
    return SourceState(
        url=row[0], etag=row[1], last_modified=row[2], last_success=_time(row[3]),
        last_error=row[4], last_error_at=_time(row[5]), posts_seen=int(row[6]),
    )


class SqliteSources:
    """The source statements of the SQLite backend."""

    async def ensure(self, con: aiosqlite.Connection, url: str) -> None:
        """Insert the source's row unless it exists."""
        await con.execute("INSERT INTO sources (url) VALUES (?) ON CONFLICT (url) DO NOTHING", (url,))

    async def lease(self, con: aiosqlite.Connection, url: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or extend the poll lease when free, expired or already `holder`'s."""
        cur = await con.execute(
            "UPDATE sources SET lease_holder = ?, lease_until = ? WHERE url = ? AND "
            "(lease_holder IS NULL OR lease_holder = ? OR lease_until IS NULL OR lease_until <= ?)",
            (holder, to_text(until), url, holder, to_text(now)),
        )
        return cur.rowcount == 1

    async def state(self, con: aiosqlite.Connection, url: str) -> SourceState | None:
        """One source with the number of posts seen there."""
        row = await first_row(con, f"{_STATE} WHERE s.url = ?", (url,))
        return _state(row) if row else None

    async def states(self, con: aiosqlite.Connection) -> list[SourceState]:
        """Every source, by URL."""
        rows = await con.execute_fetchall(f"{_STATE} ORDER BY s.url")
        return [_state(row) for row in rows]

    async def posts(self, con: aiosqlite.Connection, url: str) -> list[SeenPost]:
        """Every post seen at the source."""
        rows = await con.execute_fetchall(
            "SELECT post_id, content_hash, sort_key, report, deleted FROM source_posts WHERE source_url = ? "
            "ORDER BY sort_key",
            (url,),
        )
        return [SeenPost(r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in rows]

    async def save_post(self, con: aiosqlite.Connection, url: str, post: SeenPost, now: datetime) -> None:
        """Insert or replace what is known of one post."""
        await con.execute(
            "INSERT INTO source_posts (source_url, post_id, content_hash, sort_key, report, deleted, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_url, post_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, sort_key = excluded.sort_key, report = excluded.report, "
            "deleted = excluded.deleted",
            (url, post.post_id, post.content_hash, post.sort_key, int(post.report), int(post.deleted), to_text(now)),
        )

    async def succeeded(
        self, con: aiosqlite.Connection, url: str, etag: str | None, last_modified: str | None, now: datetime
    ) -> None:
        """A poll worked: keep the validators and the time."""
        await con.execute(
            "UPDATE sources SET etag = coalesce(?, etag), last_modified = coalesce(?, last_modified), "
            "last_success = ? WHERE url = ?",
            (etag, last_modified, to_text(now), url),
        )

    async def failed(self, con: aiosqlite.Connection, url: str, error: str, now: datetime) -> None:
        """A poll failed: keep a one-line reason and the time."""
        await con.execute(
            "UPDATE sources SET last_error = ?, last_error_at = ? WHERE url = ?", (error, to_text(now), url)
        )

    async def add_draft(self, con: aiosqlite.Connection, draft: SourceDraft, now: datetime) -> None:
        """Keep a draft waiting for review (expired drafts dropped)."""
        await con.execute("DELETE FROM source_drafts WHERE expires_at <= ?", (to_text(now),))
        await con.execute(
            "INSERT INTO source_drafts (token, source_url, post_url, payload, shown, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                draft.token, draft.source_url, draft.post_url, json.dumps(draft.payload, ensure_ascii=False),
                json.dumps(shown_to_json(draft.shown)), to_text(now), to_text(draft.expires_at),
            ),
        )

    async def set_shown(self, con: aiosqlite.Connection, token: str, shown: Sequence[ShownCopy]) -> None:
        """Record where the draft's previews were shown."""
        await con.execute(
            "UPDATE source_drafts SET shown = ? WHERE token = ?", (json.dumps(shown_to_json(shown)), token)
        )

    async def live_drafts(self, con: aiosqlite.Connection, now: datetime) -> list[SourceDraft]:
        """Drafts still waiting for review, oldest first."""
        rows = await con.execute_fetchall(
            "SELECT token, source_url, post_url, payload, shown, expires_at FROM source_drafts "
            "WHERE expires_at > ? ORDER BY created_at, token",
            (to_text(now),),
        )
        return [
            SourceDraft(r[0], r[1], r[2], json.loads(r[3]), from_text(r[5]), shown_from_json(json.loads(r[4])))
            for r in rows
        ]

    async def take_draft(self, con: aiosqlite.Connection, token: str, now: datetime) -> SourceDraft | None:
        """Delete and return a live draft; None when unknown, taken or expired."""
        row = await first_row(
            con,
            "DELETE FROM source_drafts WHERE token = ? AND expires_at > ? "
            "RETURNING token, source_url, post_url, payload, shown, expires_at",
            (token, to_text(now)),
        )
        if row is None:
            return None
        return SourceDraft(row[0], row[1], row[2], json.loads(row[3]), from_text(row[5]), shown_from_json(json.loads(row[4])))
