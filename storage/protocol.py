"""The Store protocol: everything the upper layers may ask of storage.

Every backend (SQLite, PostgreSQL) implements it and passes the same contract
suite in tests/storage/. Times going in must be timezone-aware; times coming
out are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from storage.models import (
    KEEP,
    AlertFormat,
    DayTotal,
    IngestOutcome,
    Keep,
    Stats,
    StrikeSummary,
    Subscription,
    SummaryDraft,
)
from storage.outbox import DeliveryJob, DeliveryResult, OutboxFigures, QueueStats
from storage.sources import SeenPost, ShownCopy, SourceDraft, SourceState


class Store(Protocol):
    """Persistent state of the bot; one instance per process, used with `async with`."""

    async def __aenter__(self) -> Store: ...
    async def __aexit__(self, *exc: object) -> None: ...

    async def ping(self) -> None:
        """Raise when the database does not answer; StoreUnavailable when it cannot write."""

    # --- summaries -----------------------------------------------------
    async def ingest(self, draft: SummaryDraft, *, notify: bool) -> IngestOutcome:
        """Insert or revise by external_id and, when notify, enqueue deliveries; one transaction."""

    async def ingest_many(
        self, drafts: Sequence[SummaryDraft], *, notify: bool, merge_history: bool = False
    ) -> list[IngestOutcome]:
        """Ingest many summaries in one transaction (all or nothing).

        With merge_history, fields a draft leaves unknown (None or empty) keep
        the stored values, so a poorer history row never erases a richer one.
        """

    async def continue_fanout(self, chunk: int, now: datetime) -> int:
        """Queue the next chunk of the oldest fan-out still being expanded (storage/fanout.py).

        Returns the rows queued; 0 when nothing is left to expand, or when
        another process is expanding right now (PostgreSQL).
        """

    async def get_summary(self, summary_id: int) -> StrikeSummary | None: ...

    async def latest(self, n: int = 5, *, region: str | None = None) -> list[StrikeSummary]:
        """Active summaries, newest period_end first."""

    async def retract(self, summary_id: int) -> StrikeSummary | None:
        """Mark retracted and enqueue retract edits for sent messages; None when unknown."""

    async def assign_external_id(self, summary_id: int, external_id: str) -> bool:
        """Give a summary that has none an external_id (so an ingest with it revises it); False if it had one."""

    async def count_summaries(self) -> int: ...

    async def stats(
        self, *, since: datetime | None, until: datetime | None, region: str | None
    ) -> Stats:
        """Totals of active summaries whose period_end is in [since, until)."""

    async def largest(
        self, n: int, *, since: datetime | None, until: datetime | None, region: str | None
    ) -> list[StrikeSummary]:
        """Up to n active summaries whose period_end is in [since, until), most launched first, ties by id."""

    async def daily_series(
        self, *, since: datetime, until: datetime, region: str | None, utc_offset_minutes: int = 0
    ) -> list[DayTotal]:
        """Per-day totals (days in the given UTC offset), oldest first, days without summaries left out."""

    # --- subscriptions -------------------------------------------------
    async def get_subscription(
        self, platform: str, chat_id: str, thread_id: str | None = None
    ) -> Subscription | None: ...

    async def get_subscription_by_id(self, subscription_id: int) -> Subscription | None: ...

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

    async def update_subscription(
        self,
        subscription_id: int,
        *,
        locale: str | None = None,
        muted_until: datetime | Keep | None = KEEP,
        active: bool | None = None,
        quiet: tuple[int, int] | Keep | None = KEEP,
        format: AlertFormat | Keep = KEEP,
    ) -> Subscription:
        """Change some fields; KEEP leaves muted_until / quiet / format as they are, None clears them.

        `quiet` is (start, end) in minutes after local midnight; ValueError when out of range.
        `format` is the alert format (ValueError for anything but full / compact).
        """

    async def set_locale(
        self, platform: str, chat_id: str, thread_id: str | None, locale: str
    ) -> Subscription:
        """Remember a chat's language, creating an inactive settings row if needed."""

    async def deactivate_chat(self, platform: str, chat_id: str) -> int:
        """The bot was removed or blocked: switch off every subscription of the chat (all threads)."""

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A group became a supergroup: its subscriptions follow the new id."""

    async def list_subscriptions(
        self, *, platform: str | None = None, active: bool | None = True
    ) -> list[Subscription]: ...

    async def subscription_counts(self) -> dict[str, int]:
        """Active subscriptions by platform."""

    # --- outbox ----------------------------------------------------------
    async def enqueue_broadcast(self, text: str, *, created_by: str | None) -> int:
        """Queue a free-text message to every active subscription; returns deliveries queued."""

    async def claim_deliveries(
        self,
        *,
        now: datetime,
        limit: int,
        lease_seconds: float,
        platforms: Sequence[str] | None = None,
        holder: str | None = None,
    ) -> list[DeliveryJob]:
        """Lease up to `limit` due rows to `holder`, oldest first, at most one in flight per subscription."""

    async def renew_deliveries(
        self, ids: Sequence[int], *, holder: str, now: datetime, lease_seconds: float
    ) -> set[int]:
        """Extend the leases `holder` still holds among `ids` to `lease_seconds` from `now`.

        Returns the ids it still holds; any other was finished or taken over
        by another holder after its lease ran out, and must not be sent.
        """

    async def finish_deliveries(self, results: Sequence[DeliveryResult], *, holder: str | None = None) -> None:
        """Record a batch of outcomes in one transaction (and end their leases).

        With `holder`, a result is written only where that holder still holds
        the lease, except `sent`, which is always written: the message is out.
        """

    async def queue_stats(self, *, now: datetime) -> QueueStats: ...

    async def outbox_figures(
        self, *, now: datetime, max_age: float = 30.0, live_below: float = 0.025
    ) -> OutboxFigures:
        """Queue, subscription and summary counts as /status and /metrics show them.

        Counted now while counting takes less than `live_below` seconds (exact on
        a small outbox); otherwise from the stored snapshot while it is at most
        `max_age` seconds old (the bot refreshes it in the background), counted
        and stored anew when older.
        """

    async def refresh_outbox_figures(self, *, now: datetime) -> OutboxFigures:
        """Count the figures now and keep them as the snapshot."""

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Delete finished outbox rows last touched before `before` that no later action needs.

        Edits, retractions, broadcasts and failed sends go; a sent alert's row
        stays, because a correction months later must still find its message.
        """

    # --- followed sources ------------------------------------------------
    async def lease_source(self, url: str, *, holder: str, now: datetime, seconds: float) -> bool:
        """Take or extend the lease to poll `url` (its row made if new); False while another holder has it."""

    async def source_states(self) -> list[SourceState]:
        """Every followed source with its last success, last error and posts seen, by URL."""

    async def source_state(self, url: str) -> SourceState | None:
        """One followed source; None before its first poll."""

    async def source_posts(self, url: str) -> list[SeenPost]:
        """Every post handled at the source, in the source's order."""

    async def save_source_post(self, url: str, post: SeenPost, *, now: datetime) -> None:
        """Remember that a post (this text of it) was handled."""

    async def source_succeeded(
        self, url: str, *, etag: str | None, last_modified: str | None, now: datetime
    ) -> None:
        """A poll worked: keep its validators (None keeps the old ones) and its time."""

    async def source_failed(self, url: str, error: str, *, now: datetime) -> None:
        """A poll failed: keep its one-line reason and its time."""

    async def add_source_draft(self, draft: SourceDraft, *, now: datetime) -> None:
        """Keep a source report waiting for review, so it can be decided after a restart."""

    async def source_draft_shown(self, token: str, shown: Sequence[ShownCopy]) -> None:
        """Record the admins' copies of a draft's preview (to tell them who decided)."""

    async def live_source_drafts(self, *, now: datetime) -> list[SourceDraft]:
        """Source reports still waiting for review, oldest first."""

    async def take_source_draft(self, token: str, *, now: datetime) -> SourceDraft | None:
        """Remove and return a live draft; None when unknown, already decided or expired."""
