"""The Store on an SQL backend: every flow written once, the statements given by the backend's parts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Generic, Self, TypeVar

from storage.database import Database
from storage.deliveries import Claim, OutboxSql, claim_jobs, record_results, rows_only
from storage.errors import NotFound
from storage.expansion import expand_oldest
from storage.fanout import FIRST_CHUNK, FanoutSql
from storage.figures import DEFAULT_MAX_AGE, LIVE_BELOW, FiguresKeeper, FiguresSql
from storage.ingest import BulkSql, Ingestor
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
    SummaryStatus,
)
from storage.outbox import DeliveryJob, DeliveryResult, OutboxFigures, QueueStats
from storage.ranking import RankingSql, TopQuery, read_largest
from storage.retrying import write_retrying
from storage.sources import SeenPost, ShownCopy, SourceDraft, SourceSql, SourceState
from storage.stats import RollupSql, StatsSql, read_stats
from storage.subscriptions import NewSubscription, SubscriptionSql, move_subscription, subscription_changes
from storage.summaries import SummarySql
from storage.timeutil import utc_day, utcnow

C = TypeVar("C")


class SqlStore(Generic[C]):
    """A Store made of a backend's database and statement parts (C is its connection type); use `async with`."""

    def __init__(
        self,
        database: Database[C],
        *,
        summaries: SummarySql[C],
        rollup: RollupSql[C],
        stats: StatsSql[C],
        ranking: RankingSql[C],
        subscriptions: SubscriptionSql[C],
        outbox: OutboxSql[C],
        bulk: BulkSql[C],
        sources: SourceSql[C],
        fanouts: FanoutSql[C],
        figures: FiguresSql[C],
        first_chunk: int = FIRST_CHUNK,
    ) -> None:
        self._database = database
        self._summaries = summaries
        self._rollup = rollup
        self._stats = stats
        self._ranking = ranking
        self._subscriptions = subscriptions
        self._outbox = outbox
        self._bulk = bulk
        self._sources = sources
        self._fanouts = fanouts
        self._figures = FiguresKeeper(database, figures, self._count_figures)
        self._ingestor = Ingestor(database, summaries, rollup, fanouts, first_chunk=first_chunk)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect and apply pending migrations."""
        await self._database.open()

    async def close(self) -> None:
        """Let go of the database."""
        await self._database.close()

    async def ping(self) -> None:
        """Raise when the database does not answer; StoreUnavailable when it cannot write."""
        await self._database.ping()

    async def schema_version(self) -> int:
        """The highest migration applied."""
        return await self._database.schema_version()

    # --- summaries -----------------------------------------------------
    async def ingest(self, draft: SummaryDraft, *, notify: bool) -> IngestOutcome:
        """Insert or revise by external_id and, when notify, enqueue deliveries; one transaction."""
        return await self._ingestor.ingest(draft, notify=notify)

    async def ingest_many(
        self, drafts: Sequence[SummaryDraft], *, notify: bool, merge_history: bool = False
    ) -> list[IngestOutcome]:
        """Ingest many summaries in one transaction (all or nothing)."""
        return await self._ingestor.ingest_many(drafts, notify=notify, merge_history=merge_history)

    async def continue_fanout(self, chunk: int, now: datetime) -> int:
        """Queue the next chunk of the oldest fan-out still being expanded: rows queued, 0 when nothing is left."""
        return await expand_oldest(self._database, self._fanouts, self._summaries, chunk, now)

    async def bulk_append(self, drafts: Sequence[SummaryDraft]) -> int:
        """Insert new history in one transaction, bypassing ingest: no fan-out, rollup rebuilt by the caller."""
        if not drafts:
            return 0
        async with self._database.tx() as con:
            return await self._bulk.append(con, drafts)

    async def rebuild_rollup(self) -> None:
        """Recompute every rollup row (after a bulk load that bypassed ingest)."""
        async with self._database.tx() as con:
            await self._rollup.rebuild(con)

    async def get_summary(self, summary_id: int) -> StrikeSummary | None:
        """One summary by id, whatever its status."""
        async with self._database.read() as con:
            return await self._summaries.by_id(con, summary_id)

    async def latest(self, n: int = 5, *, region: str | None = None) -> list[StrikeSummary]:
        """Active summaries, newest period_end first."""
        async with self._database.read() as con:
            return await self._summaries.latest(con, n, region)

    async def count_summaries(self) -> int:
        """Every stored summary, retracted ones included."""
        async with self._database.read() as con:
            return await self._summaries.count(con)

    async def retract(self, summary_id: int) -> StrikeSummary | None:
        """Mark retracted and enqueue retract edits for sent messages; None when unknown."""
        now = utcnow()
        async with self._database.tx() as con:
            summary = await self._summaries.by_id(con, summary_id, for_update=True)
            if summary is None or summary.status == SummaryStatus.RETRACTED:
                return summary
            await self._summaries.withdraw(con, summary, now)
            await self._rollup.refresh_days(con, {utc_day(summary.period_end)})
        return summary.model_copy(update={"status": SummaryStatus.RETRACTED, "updated_at": now})

    async def assign_external_id(self, summary_id: int, external_id: str) -> bool:
        """Give a summary that has none an external_id (so an ingest with it revises it); False if it had one."""
        async with self._database.tx() as con:
            return await self._summaries.assign_external_id(con, summary_id, external_id)

    async def stats(self, *, since: datetime | None, until: datetime | None, region: str | None) -> Stats:
        """Totals of active summaries whose period_end is in [since, until)."""
        async with self._database.read() as con:
            return await read_stats(self._stats, con, since=since, until=until, region=region)

    async def largest(
        self, n: int, *, since: datetime | None, until: datetime | None, region: str | None
    ) -> list[StrikeSummary]:
        """Up to n active summaries whose period_end is in [since, until), most launched first, ties by id."""
        if n <= 0:
            return []
        async with self._database.read() as con:
            return await read_largest(self._ranking, con, TopQuery(n, since, until, region))

    async def daily_series(
        self, *, since: datetime, until: datetime, region: str | None, utc_offset_minutes: int = 0
    ) -> list[DayTotal]:
        """Per-day totals (days in the given UTC offset), oldest first, days without summaries left out."""
        async with self._database.read() as con:
            return await self._stats.daily_series(con, since, until, region, utc_offset_minutes)

    # --- subscriptions -------------------------------------------------
    async def get_subscription(
        self, platform: str, chat_id: str, thread_id: str | None = None
    ) -> Subscription | None:
        """The chat's (or topic's) subscription, active or not."""
        async with self._database.read() as con:
            return await self._subscriptions.by_chat(con, platform, chat_id, thread_id or "")

    async def get_subscription_by_id(self, subscription_id: int) -> Subscription | None:
        """One subscription by id."""
        async with self._database.read() as con:
            return await self._subscriptions.by_id(con, subscription_id)

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
        new = NewSubscription(
            platform, chat_id, thread_id or "", tuple(sorted(set(regions))), min_launched, created_by, locale
        )
        async with self._database.tx() as con:
            return await self._subscriptions.subscribe(con, new, utcnow())

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
        """Change some fields; KEEP leaves muted_until / quiet / format as they are, None clears them."""
        changes = subscription_changes(locale=locale, muted_until=muted_until, active=active, quiet=quiet, format=format)
        now = utcnow()
        async with self._database.tx() as con:
            sub = await self._subscriptions.update(con, subscription_id, changes, now)
            if sub is not None and active is False:
                await self._subscriptions.skip_pending(con, subscription_id, "unsubscribed", now)
        if sub is None:
            raise NotFound(f"subscription {subscription_id}")
        return sub

    async def set_locale(
        self, platform: str, chat_id: str, thread_id: str | None, locale: str
    ) -> Subscription:
        """Remember a chat's language, creating an inactive settings row if needed."""
        async with self._database.tx() as con:
            return await self._subscriptions.set_locale(con, platform, chat_id, thread_id or "", locale, utcnow())

    async def deactivate_chat(self, platform: str, chat_id: str) -> int:
        """The bot was removed or blocked: switch off every subscription of the chat (all threads)."""
        now = utcnow()
        async with self._database.tx() as con:
            ids = await self._subscriptions.deactivate_chat(con, platform, chat_id, now)
            for subscription_id in ids:
                await self._subscriptions.skip_pending(con, subscription_id, "bot removed from the chat", now)
        return len(ids)

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A group became a supergroup: its subscriptions follow the new id."""
        now = utcnow()
        async with self._database.tx() as con:
            for subscription_id in await self._subscriptions.ids_of_chat(con, platform, old_chat_id):
                await move_subscription(self._subscriptions, con, subscription_id, new_chat_id, now)

    async def list_subscriptions(
        self, *, platform: str | None = None, active: bool | None = True
    ) -> list[Subscription]:
        """Subscriptions by id, optionally of one platform and activity."""
        async with self._database.read() as con:
            return await self._subscriptions.select(con, platform, active)

    async def subscription_counts(self) -> dict[str, int]:
        """Active subscriptions by platform."""
        async with self._database.read() as con:
            return await self._subscriptions.counts(con)

    # --- outbox ----------------------------------------------------------
    async def enqueue_broadcast(self, text: str, *, created_by: str | None) -> int:
        """Queue a free-text message to every active subscription; returns deliveries queued."""
        async with self._database.tx() as con:
            return await self._outbox.enqueue_broadcast(con, text, created_by, utcnow())

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
        claim = Claim(
            now=now,
            lease_until=now + timedelta(seconds=lease_seconds),
            limit=limit,
            platforms=list(platforms) if platforms is not None else None,
            holder=holder,
        )
        return await write_retrying(
            self._database, lambda con: claim_jobs(self._outbox, con, claim), what="claiming deliveries"
        )

    async def renew_deliveries(
        self, ids: Sequence[int], *, holder: str, now: datetime, lease_seconds: float
    ) -> set[int]:
        """Extend the leases `holder` still holds among `ids` to `lease_seconds` from `now`: the ids it still holds."""
        if not ids:
            return set()
        until = now + timedelta(seconds=lease_seconds)
        renewed = await write_retrying(
            self._database,
            lambda con: self._outbox.renew(con, sorted(ids), holder, until),
            what="renewing delivery leases",
        )
        return set(renewed)

    async def finish_deliveries(self, results: Sequence[DeliveryResult], *, holder: str | None = None) -> None:
        """Record a batch of outcomes atomically; with `holder`, only where it still holds the lease (sent always)."""
        if not results:
            return
        now, alone = utcnow(), rows_only(results)
        # a fan-out's batches are one statement with no BEGIN and COMMIT around it (SQLite: 1 hand-off, not 4)
        work = partial(self._outbox.finish, results=results, now=now, holder=holder) if alone else partial(
            record_results, self._outbox, self._subscriptions, results=results, now=now, holder=holder
        )
        await write_retrying(self._database, work, what=f"recording {len(results)} delivery results", alone=alone)

    async def queue_stats(self, *, now: datetime) -> QueueStats:
        """Outbox health for /status and /metrics."""
        async with self._database.read() as con:
            return await self._outbox.queue_stats(con, now)

    async def outbox_figures(
        self, *, now: datetime, max_age: float = DEFAULT_MAX_AGE, live_below: float = LIVE_BELOW
    ) -> OutboxFigures:
        """Queue, subscription and summary counts; from the snapshot when counting is slow and it is fresh."""
        return await self._figures.current(now, max_age, live_below)

    async def refresh_outbox_figures(self, *, now: datetime) -> OutboxFigures:
        """Count the figures now and keep them as the snapshot."""
        return await self._figures.refresh(now)

    async def _count_figures(self, now: datetime) -> OutboxFigures:
        queue = await self.queue_stats(now=now)
        counts, summaries = await self.subscription_counts(), await self.count_summaries()
        return OutboxFigures(taken_at=now, queue=queue, subscriptions=counts, summaries=summaries)

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Delete finished outbox rows last touched before `before` that no later action needs (sent alerts stay)."""
        async with self._database.tx() as con:
            return await self._outbox.prune(con, before)

    # --- followed sources ------------------------------------------------
    async def lease_source(self, url: str, *, holder: str, now: datetime, seconds: float) -> bool:
        """Take or extend the lease to poll `url` (its row made if new); False while another holder has it."""
        async with self._database.tx() as con:
            await self._sources.ensure(con, url)
            return await self._sources.lease(con, url, holder, now, now + timedelta(seconds=seconds))

    async def source_states(self) -> list[SourceState]:
        """Every followed source with its last success, last error and posts seen, by URL."""
        async with self._database.read() as con:
            return await self._sources.states(con)

    async def source_state(self, url: str) -> SourceState | None:
        """One followed source; None before its first poll."""
        async with self._database.read() as con:
            return await self._sources.state(con, url)

    async def source_posts(self, url: str) -> list[SeenPost]:
        """Every post handled at the source, in the source's order."""
        async with self._database.read() as con:
            return await self._sources.posts(con, url)

    async def save_source_post(self, url: str, post: SeenPost, *, now: datetime) -> None:
        """Remember that a post (this text of it) was handled."""
        async with self._database.tx() as con:
            await self._sources.ensure(con, url)
            await self._sources.save_post(con, url, post, now)

    async def source_succeeded(
        self, url: str, *, etag: str | None, last_modified: str | None, now: datetime
    ) -> None:
        """A poll worked: keep its validators (None keeps the old ones) and its time."""
        async with self._database.tx() as con:
            await self._sources.ensure(con, url)
            await self._sources.succeeded(con, url, etag, last_modified, now)

    async def source_failed(self, url: str, error: str, *, now: datetime) -> None:
        """A poll failed: keep its one-line reason and its time."""
        async with self._database.tx() as con:
            await self._sources.ensure(con, url)
            await self._sources.failed(con, url, error[:500], now)

    async def add_source_draft(self, draft: SourceDraft, *, now: datetime) -> None:
        """Keep a source report waiting for review, so it can be decided after a restart."""
        async with self._database.tx() as con:
            await self._sources.add_draft(con, draft, now)

    async def source_draft_shown(self, token: str, shown: Sequence[ShownCopy]) -> None:
        """Record the admins' copies of a draft's preview (to tell them who decided)."""
        async with self._database.tx() as con:
            await self._sources.set_shown(con, token, shown)

    async def live_source_drafts(self, *, now: datetime) -> list[SourceDraft]:
        """Source reports still waiting for review, oldest first."""
        async with self._database.read() as con:
            return await self._sources.live_drafts(con, now)

    async def take_source_draft(self, token: str, *, now: datetime) -> SourceDraft | None:
        """Remove and return a live draft; None when unknown, already decided or expired."""
        async with self._database.tx() as con:
            return await self._sources.take_draft(con, token, now)
