"""Ingest written once: insert or revise by external_id, with outbox rows and the rollup, in one transaction.

The backend gives the statements (`IngestSql`); the decisions are made here:
new or known external id, history merge, unchanged re-post, revision bump,
which deliveries to queue and which rollup days to recount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar

from storage.database import Database
from storage.fanout import FIRST_CHUNK, FanoutSql, correction_sends, start_fanout
from storage.merge import merge_history
from storage.models import IngestOutcome, StrikeSummary, SummaryDraft, SummaryStatus
from storage.stats import RollupSql
from storage.timeutil import utc_day, utcnow

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


@dataclass(frozen=True)
class Revision:
    """One revision of a stored summary, as the outbox rows that carry it name it."""

    summary_id: int
    number: int
    draft: SummaryDraft


class IngestSql(Protocol[C_contra]):
    """The statements of one ingest, run inside the caller's transaction."""

    async def find(self, con: C_contra, external_id: str) -> StrikeSummary | None:
        """The summary with this external id, held until the transaction ends where the backend locks rows."""
        ...

    async def insert(self, con: C_contra, draft: SummaryDraft, now: datetime) -> int | None:
        """Store a new active summary at revision 1: its id, or None when another transaction took the external id."""
        ...

    async def update(self, con: C_contra, summary_id: int, draft: SummaryDraft, now: datetime) -> int:
        """Overwrite a summary's content and bump its revision: the new revision."""
        ...

    async def write_regions(self, con: C_contra, summary_id: int, draft: SummaryDraft, *, replace: bool) -> None:
        """Index the summary under each of its regions (replace: drop its old index rows first)."""
        ...

    async def enqueue_sends(self, con: C_contra, out: Revision, now: datetime, *, only_new: bool) -> int:
        """Queue the alert to every matching subscription (only_new: those without a send of it yet): how many."""
        ...

    async def drop_unmatched(self, con: C_contra, out: Revision, now: datetime) -> None:
        """Skip the summary's queued, unleased sends to chats this revision no longer matches."""
        ...

    async def enqueue_edits(self, con: C_contra, out: Revision, now: datetime) -> int:
        """Queue an edit to every active chat the alert went out (or is going out right now) to: how many."""
        ...


class BulkSql(Protocol[C_contra]):
    """The backend's fast path for history that bypasses ingest (no fan-out, no rollup)."""

    async def append(self, con: C_contra, drafts: Sequence[SummaryDraft]) -> int:
        """Insert drafts whose external ids are new (or None): how many were inserted."""
        ...


class Ingestor(Generic[C]):
    """Stores summaries the way `Store.ingest` and `Store.ingest_many` promise, on any backend."""

    def __init__(
        self,
        database: Database[C],
        sql: IngestSql[C],
        rollup: RollupSql[C],
        fanouts: FanoutSql[C],
        *,
        first_chunk: int = FIRST_CHUNK,
    ) -> None:
        self._database = database
        self._sql = sql
        self._rollup = rollup
        self._fanouts = fanouts
        self._first_chunk = max(1, first_chunk)

    async def ingest(self, draft: SummaryDraft, *, notify: bool) -> IngestOutcome:
        """Insert or revise one summary and, when notify, enqueue deliveries; one transaction."""
        outcomes = await self.ingest_many([draft], notify=notify)
        return outcomes[0]

    async def ingest_many(
        self, drafts: Sequence[SummaryDraft], *, notify: bool, merge_history: bool = False
    ) -> list[IngestOutcome]:
        """Ingest many summaries in one transaction (all or nothing)."""
        outcomes = []
        days: set[date] = set()
        async with self._database.tx() as con:
            for draft in drafts:
                outcome, touched = await self._ingest_one(con, draft, notify=notify, merge=merge_history)
                outcomes.append(outcome)
                days |= touched
            await self._rollup.refresh_days(con, days)
        return outcomes

    async def _ingest_one(
        self, con: C, draft: SummaryDraft, *, notify: bool, merge: bool
    ) -> tuple[IngestOutcome, set[date]]:
        """One draft: its outcome and the UTC days whose rollup rows must be recounted."""
        now = utcnow()
        existing = None
        if draft.external_id is not None:
            existing = await self._sql.find(con, draft.external_id)
        if existing is None:
            summary_id = await self._sql.insert(con, draft, now)
            if summary_id is not None:
                await self._sql.write_regions(con, summary_id, draft, replace=False)
                # a new summary is counted in without recounting its day
                await self._rollup.add(con, summary_id, draft)
                out = Revision(summary_id, 1, draft)
                # the first chunk now, the rest by the expander (storage/fanout.py): the chats it goes to
                queued = await start_fanout(self._fanouts, con, out, now, self._first_chunk) if notify else 0
                return IngestOutcome(id=summary_id, revision=1, status="created", deliveries=queued), set()
            # another process inserted the same external_id meanwhile: revise that row
            assert draft.external_id is not None
            existing = await self._sql.find(con, draft.external_id)
            assert existing is not None
        return await self._revise(con, existing, draft, now, notify=notify, merge=merge)

    async def _revise(
        self, con: C, existing: StrikeSummary, draft: SummaryDraft, now: datetime, *, notify: bool, merge: bool
    ) -> tuple[IngestOutcome, set[date]]:
        """A draft over a stored summary: unchanged, or a new revision with its corrections queued."""
        if merge:
            draft = merge_history(existing.draft(), draft)
        if draft.content_hash() == existing.draft().content_hash():
            return IngestOutcome(id=existing.id, revision=existing.revision, status="unchanged"), set()
        revision = await self._sql.update(con, existing.id, draft, now)
        await self._sql.write_regions(con, existing.id, draft, replace=True)
        queued = 0
        if notify and existing.status == SummaryStatus.ACTIVE:
            queued = await self._queue_correction(con, Revision(existing.id, revision, draft), now)
        days = {utc_day(existing.period_end), utc_day(draft.period_end)}
        return IngestOutcome(id=existing.id, revision=revision, status="revised", deliveries=queued), days

    async def _queue_correction(self, con: C, out: Revision, now: datetime) -> int:
        """Edits where the alert is out (or going out), sends to newly matched chats: how many queued.

        An alert still waiting in the queue is sent with the newest content anyway,
        so it needs no edit; if the correction no longer reaches that chat, it is dropped.
        """
        await self._sql.drop_unmatched(con, out, now)
        edits = await self._sql.enqueue_edits(con, out, now)
        # while the summary's fan-out is expanded, it queues the chats it has not reached yet
        sends = await correction_sends(self._fanouts, con, out, now)
        if sends is None:
            sends = await self._sql.enqueue_sends(con, out, now, only_new=True)
        return edits + sends
