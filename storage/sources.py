"""Followed sources: what the poller keeps per feed (validators, last outcome, lease) and per post seen.

The backend gives the statements (`SourceSql`) inside the caller's
transaction; times are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

C_contra = TypeVar("C_contra", contravariant=True)


@dataclass(frozen=True)
class SourceState:
    """One followed feed as operators see it, and the validators of its last good fetch."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    posts_seen: int = 0

    @property
    def failing(self) -> bool:
        """Whether the last poll failed (an error newer than the last success)."""
        if self.last_error_at is None:
            return False
        return self.last_success is None or self.last_error_at >= self.last_success

    @property
    def health(self) -> Literal["ok", "failing", "waiting"]:
        """ok after a good poll, failing when the last poll failed, waiting before any poll ended."""
        if self.failing:
            return "failing"
        return "ok" if self.last_success is not None else "waiting"


def followed_sources(states: Sequence[SourceState], urls: Sequence[str]) -> list[SourceState]:
    """The sources `urls` names, in that order (an empty state for one never polled); every known one when none is named."""
    if not urls:
        return list(states)
    by_url = {state.url: state for state in states}
    return [by_url.get(url) or SourceState(url) for url in dict.fromkeys(urls)]


@dataclass(frozen=True)
class SeenPost:
    """A post handled once: the hash of the text handled, and where it sits in the feed."""

    post_id: str
    content_hash: str
    # orders posts as the source does (a zero-padded message number, or a UTC time)
    sort_key: str
    report: bool
    deleted: bool = False


@dataclass(frozen=True)
class ShownCopy:
    """One bot admin's copy of a preview: the transport that sent it, the chat and the message."""

    platform: str
    chat_id: str
    message_id: str


@dataclass(frozen=True)
class SourceDraft:
    """A report found at a source, waiting for a bot admin's Confirm or Cancel (kept across restarts)."""

    token: str
    source_url: str
    post_url: str
    payload: dict[str, Any]
    expires_at: datetime
    shown: tuple[ShownCopy, ...] = ()


def shown_to_json(shown: Sequence[ShownCopy]) -> list[list[str]]:
    """The copies as the JSON the backends store."""
    return [[c.platform, c.chat_id, c.message_id] for c in shown]


def shown_from_json(value: Any) -> tuple[ShownCopy, ...]:
    """The copies from the stored JSON."""
    return tuple(ShownCopy(str(p), str(c), str(m)) for p, c, m in value or [])


class SourceSql(Protocol[C_contra]):
    """The source statements of a backend."""

    async def ensure(self, con: C_contra, url: str) -> None:
        """Insert the source's row unless it exists."""
        ...

    async def lease(self, con: C_contra, url: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or extend the poll lease when free, expired or already `holder`'s; whether it is held now."""
        ...

    async def state(self, con: C_contra, url: str) -> SourceState | None:
        """One source with the number of posts seen there."""
        ...

    async def states(self, con: C_contra) -> list[SourceState]:
        """Every source, by URL."""
        ...

    async def posts(self, con: C_contra, url: str) -> list[SeenPost]:
        """Every post seen at the source."""
        ...

    async def save_post(self, con: C_contra, url: str, post: SeenPost, now: datetime) -> None:
        """Insert or replace what is known of one post."""
        ...

    async def succeeded(
        self, con: C_contra, url: str, etag: str | None, last_modified: str | None, now: datetime
    ) -> None:
        """A poll worked: keep the validators (None keeps the old ones) and the time."""
        ...

    async def failed(self, con: C_contra, url: str, error: str, now: datetime) -> None:
        """A poll failed: keep a one-line reason and the time."""
        ...

    async def add_draft(self, con: C_contra, draft: SourceDraft, now: datetime) -> None:
        """Keep a draft waiting for review (expired drafts dropped)."""
        ...

    async def set_shown(self, con: C_contra, token: str, shown: Sequence[ShownCopy]) -> None:
        """Record where the draft's previews were shown."""
        ...

    async def live_drafts(self, con: C_contra, now: datetime) -> list[SourceDraft]:
        """Drafts still waiting for review, oldest first."""
        ...

    async def take_draft(self, con: C_contra, token: str, now: datetime) -> SourceDraft | None:
        """Delete and return a live draft; None when unknown, taken or expired."""
        ...
