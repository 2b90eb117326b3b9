"""Pending /post drafts waiting for Confirm or Cancel, kept in memory with an expiry."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

DRAFT_TTL = timedelta(minutes=15)
MAX_DRAFTS = 200
# the owner of a draft any bot admin may decide (a post found at a followed source)
ANY_ADMIN = "*"

# told who decided a shared draft (their name), what came of it (a one-line result) and in which
# chat (platform, chat id), whose copy the decider's own reply replaces
OnDecided = Callable[[str, str, tuple[str, str]], Awaitable[None]]


@dataclass(frozen=True)
class PendingDraft:
    """One previewed /post: the ingest payload and who may confirm it."""

    token: str
    payload: dict[str, Any]
    owner: str
    expires_at: datetime
    # for a draft shown to several admins: updates the previews of those who did not press
    on_decided: OnDecided | None = None


class SharedDrafts(Protocol):
    """Drafts kept outside this process (in the database): found at a source, decidable after a restart."""

    async def take(self, token: str, now: datetime) -> PendingDraft | None:
        """Remove and return a live draft; None when unknown, used or expired."""
        ...


@dataclass
class PendingDrafts:
    """Token → draft; expired drafts vanish, and the registry stays small."""

    ttl: timedelta = DRAFT_TTL
    _items: dict[str, PendingDraft] = field(default_factory=dict)

    def add(
        self,
        payload: dict[str, Any],
        owner: str,
        now: datetime,
        *,
        ttl: timedelta | None = None,
        on_decided: OnDecided | None = None,
    ) -> PendingDraft:
        """Keep a draft and return it with a fresh, unguessable token."""
        self._expire(now)
        while len(self._items) >= MAX_DRAFTS:
            # the oldest goes first: dicts keep insertion order
            self._items.pop(next(iter(self._items)))
        expires = now + (ttl if ttl is not None else self.ttl)
        draft = PendingDraft(secrets.token_urlsafe(9), payload, owner, expires, on_decided)
        self._items[draft.token] = draft
        return draft

    def peek(self, token: str, now: datetime) -> PendingDraft | None:
        """A live draft, left in place (to check who may press its buttons)."""
        self._expire(now)
        return self._items.get(token)

    def take(self, token: str, now: datetime) -> PendingDraft | None:
        """Remove and return a live draft; None when unknown, used or expired."""
        self._expire(now)
        return self._items.pop(token, None)

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self, now: datetime) -> None:
        for token in [t for t, d in self._items.items() if d.expires_at <= now]:
            del self._items[token]
