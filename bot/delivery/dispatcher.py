"""The delivery dispatcher: claims outbox rows, sends them within rate limits, records results.

docs/design.md "Delivery semantics" is the contract. The store guarantees per-chat
order (only the oldest pending row of a subscription is ever leased); this
module adds rendering once per content, bounded concurrency, the rate limits
of bot/delivery/ratelimit.py, leases that hold while a row is worked on
(leases.py), and the reaction to each platform answer (policy.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bot.delivery.config import DeliveryObserver, DispatcherConfig
from bot.delivery.leases import Leases
from bot.delivery.plan import outcome_label, plan_job
from bot.delivery.policy import OutcomePolicy
from bot.delivery.ratelimit import ChatPolicy, PlatformLimits, platform_limits
from bot.delivery.render import RenderCache, Renderers
from bot.delivery.results import ResultWriter
from bot.outage import OutageLog
from bot.transports.base import Outcome, SendResult, Target, Transport
from storage.outbox import DeliveryJob, DeliveryResult
from storage.protocol import Store

log = logging.getLogger(__name__)


class Dispatcher:
    """Moves outbox rows to the platforms; `run()` in the app, `run_once()` in tests."""

    def __init__(
        self,
        store: Store,
        transports: Mapping[str, Transport],
        renderers: Renderers,
        config: DispatcherConfig | None = None,
        *,
        chat_policies: Mapping[str, ChatPolicy] | None = None,
        limits: Mapping[str, PlatformLimits] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: DeliveryObserver | None = None,
        wall_clock: Callable[[], datetime] | None = None,
        wakeup: asyncio.Event | None = None,
        on_claim: Callable[[], None] | None = None,
    ) -> None:
        """Deliver through `transports` (by platform name) what `store` has queued.

        `clock` (monotonic) paces sends and measures them; `wall_clock` (aware, UTC
        now by default) is the outbox's time: which rows are due, when a retry is
        due, and whether a chat is in its quiet hours at send time. Setting `wakeup` does what `wake()`
        does, for whoever queues rows and is built before the dispatcher. `limits` are the platforms'
        budgets when they are shared (with the transports' replies); missing ones are made from
        `config.rates` and `chat_policies`. `run()` calls `on_claim` after each claim (the fan-out
        expander waits for the first one after an ingest).
        """
        self.store = store
        self.transports = dict(transports)
        self.renderers = renderers
        self.config = config or DispatcherConfig()
        self._metrics = metrics
        self._clock = clock
        self._wall_clock = wall_clock or partial(datetime.now, UTC)
        shared = dict(limits or {})
        missing = [p for p in self.transports if p not in shared]
        shared |= platform_limits(self.config.rates, missing, chat_policies=chat_policies, clock=clock)
        self._global = {p: shared[p].overall for p in self.transports}
        self._chats = {p: shared[p].chats for p in self.transports}
        self._outcomes = OutcomePolicy(
            self.config, self._global, self._chats,
            rng=rng or random.Random(), clock=clock, wall_clock=self._wall_clock,
        )
        self._cache = RenderCache()
        self._leases = Leases(
            store, lease_seconds=self.config.lease_seconds, clock=clock, wall_clock=self._wall_clock
        )
        self._writer = ResultWriter(
            store, holder=self._leases.holder, retry_pause=self.config.poll_interval, clock=clock
        )
        self._slots = asyncio.Semaphore(self.config.concurrency)
        self._wake = wakeup if wakeup is not None else asyncio.Event()
        self._on_claim = on_claim
        # ids of rows queued or being worked on here (run() only)
        self._queued: set[int] = set()
        # rows taken off the queue and not finished yet, and an event for "none" (stopping waits for it)
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # seconds a platform call takes, smoothed: a claim must fit in a lease on a slow platform too
        self._latency: float | None = None
        # outcome counts since start, for /status and /metrics
        self.counters: Counter[str] = Counter()

    # --- loop -------------------------------------------------------------
    def wake(self) -> None:
        """Something was queued in this process: look at the outbox now."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled; wakes on `wake()` and polls for other processes' rows.

        Unlike `run_once`, claims overlap with sending: the next batch is leased
        while the last jobs of the previous one are still out, so the platform
        connection never idles on a database round trip. Cancelled, it stops as
        `_stop` says.
        """
        queue: asyncio.Queue[DeliveryJob] = asyncio.Queue()
        low = self.config.concurrency
        room = asyncio.Event()
        workers = [
            asyncio.create_task(self._worker(queue, room, low), name=f"delivery-{i}")
            for i in range(self.config.concurrency)
        ]
        renewing = asyncio.create_task(self._leases.run(), name="delivery-leases")
        claims = OutageLog(log, "claiming deliveries", clock=self._clock)
        try:
            while True:
                if queue.qsize() >= low:
                    room.clear()
                    await room.wait()
                    continue
                self._wake.clear()
                try:
                    jobs = await self._claim(queue.qsize())
                except Exception as exc:
                    # a database hiccup must not stop deliveries for good (logged once, then once a minute)
                    claims.failed(exc)
                    jobs = []
                    await asyncio.sleep(self.config.poll_interval)
                else:
                    claims.succeeded()
                    if self._on_claim is not None:
                        self._on_claim()
                for job in jobs:
                    # a row of ours whose lease ran out while queued comes back: keep the first copy
                    if job.delivery.id not in self._queued:
                        self._queued.add(job.delivery.id)
                        queue.put_nowait(job)
                if jobs:
                    continue
                timeout = self.config.poll_interval
                due = self._outcomes.take_next_due()
                if due is not None:
                    timeout = max(0.0, min(timeout, due - self._clock()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            await self._stop(queue, workers, renewing)

    async def _worker(self, queue: asyncio.Queue[DeliveryJob], room: asyncio.Event, low: int) -> None:
        while True:
            job = await queue.get()
            if queue.qsize() < low:
                room.set()
            self._active += 1
            self._idle.clear()
            try:
                await self._handle(job)
            finally:
                self._queued.discard(job.delivery.id)
                self._leases.let_go(job.delivery.id)
                self._active -= 1
                if not self._active:
                    self._idle.set()

    async def _stop(
        self, queue: asyncio.Queue[DeliveryJob], workers: list[asyncio.Task[None]], renewing: asyncio.Task[None]
    ) -> None:
        """Stop without resending or stalling anything after a restart.

        What never started is handed back at once (due again for whoever runs
        next); what is on the wire gets `config.stop_grace` seconds to be
        answered and stored, its leases renewed meanwhile; only what is still
        out after that is cut off, and comes back when its lease ends.
        """
        try:
            await self._release([queue.get_nowait() for _ in range(queue.qsize())])
            if self._active:
                try:
                    await asyncio.wait_for(self._idle.wait(), self.config.stop_grace)
                except TimeoutError:
                    log.warning(
                        "stopping: %d deliveries still unanswered after %.0fs; they return when their lease ends",
                        self._active, self.config.stop_grace,
                    )
        finally:
            for task in (*workers, renewing):
                task.cancel()
            await asyncio.gather(*workers, renewing, return_exceptions=True)
            await self._writer.aclose(self.config.stop_grace)

    async def _claim(self, queued: int, now: datetime | None = None) -> list[DeliveryJob]:
        platforms = [p for p, g in self._global.items() if g.paused_for() == 0]
        limit = self._claim_limit(platforms) - queued
        if not platforms or limit <= 0:
            return []
        since = self._clock()
        jobs = await self.store.claim_deliveries(
            now=now or self._wall_clock(), limit=limit, lease_seconds=self.config.lease_seconds,
            platforms=platforms, holder=self._leases.holder,
        )
        self._leases.hold((job.delivery.id for job in jobs), since)
        return jobs

    async def _release(self, jobs: list[DeliveryJob]) -> None:
        """Hand back leased rows nobody started, so a restart need not wait out the lease."""
        if not jobs:
            return
        for job in jobs:
            self._queued.discard(job.delivery.id)
            self._leases.let_go(job.delivery.id)
        try:
            await self.store.finish_deliveries(
                [self._outcomes.defer(job, 0.0) for job in jobs], holder=self._leases.holder
            )
        except Exception:
            log.exception("releasing %d leased deliveries failed; they return after the lease", len(jobs))

    async def run_once(self, now: datetime | None = None) -> int:
        """One pass: claim a batch, perform it, record the results; returns rows handled."""
        jobs = await self._claim(0, now)
        if not jobs:
            return 0
        renewing = asyncio.create_task(self._leases.run(), name="delivery-leases")
        try:
            async with asyncio.TaskGroup() as group:
                for job in jobs:
                    group.create_task(self._handle(job))
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            for job in jobs:
                self._leases.let_go(job.delivery.id)
            await self._writer.aclose()
        return len(jobs)

    def _claim_limit(self, platforms: list[str]) -> int:
        # a batch must be sent well within the lease: on a rate-capped platform, and on a slow one
        config = self.config
        limit = config.batch_size
        for p in platforms:
            rate = self._global[p].rate
            if rate > 0:
                limit = min(limit, max(config.concurrency, int(rate * config.lease_seconds / 3)))
        if self._latency is None:
            # how long a send takes is not known yet: no more than two rounds until it is
            limit = min(limit, 2 * config.concurrency)
        elif self._latency > 0:
            limit = min(limit, max(config.concurrency, int(config.concurrency * config.lease_seconds / (3 * self._latency))))
        return max(1, limit)

    async def _handle(self, job: DeliveryJob) -> None:
        async with self._slots:
            try:
                result = await self._perform(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in a renderer or transport: fail the row, not the pass
                log.exception("delivery %d failed unexpectedly", job.delivery.id)
                result = self._outcomes.transient(job, f"internal error: {exc!r}")
            if result is None:
                # the lease ran out or was taken over before the send: the row is not ours to send
                self.counters["lease_lost"] += 1
                return
            outcome = outcome_label(result)
            self.counters[outcome] += 1
            if self._metrics is not None:
                self._metrics.delivery(job.subscription.platform, outcome)
            # keep the slot until the answer is stored: bounds duplicates after a crash
            await self._writer.put(result)

    # --- one row ------------------------------------------------------------
    async def _perform(self, job: DeliveryJob) -> DeliveryResult | None:
        """The row's result, or None when its lease no longer held at the moment of sending."""
        sub = job.subscription
        transport = self.transports[sub.platform]
        now = self._wall_clock()
        plan = plan_job(job, transport, self.renderers, self._cache, self.config.timezone, now=now)
        if isinstance(plan, DeliveryResult):
            return plan
        wait = await self._admit(sub.platform, sub.chat_id)
        if wait > 0:
            return self._outcomes.defer(job, wait)
        if not self._leases.holds(job.delivery.id):
            return None
        # read at send time, not at ingest: a row deferred past 07:00 goes out with sound
        silent = sub.quiet is not None and sub.is_quiet(self._wall_clock(), self.config.timezone)
        target = Target(sub.chat_id, sub.thread_id, silent=silent)
        answer = await self._call(transport, target, plan.payload, message_id=plan.message_id)
        if answer.outcome == Outcome.NOT_EDITABLE and plan.message_id is not None:
            # the platform will not change it any more: reply to it with the new content
            await self._admit_blocking(sub.platform, sub.chat_id)
            answer = await self._call(transport, target, plan.payload, reply_to=plan.message_id)
        moved_to: str | None = None
        if answer.outcome == Outcome.MOVED and answer.new_chat_id:
            moved_to = answer.new_chat_id
            log.info("chat %s:%s moved to %s", sub.platform, sub.chat_id, moved_to)
            await self._admit_blocking(sub.platform, moved_to)
            # the old message stays in the old chat; the new chat gets the current content
            answer = await self._call(transport, Target(moved_to, sub.thread_id, silent=silent), plan.payload)
        if answer.outcome == Outcome.RETRY_AFTER:
            self.counters["retry_after"] += 1
        result = self._outcomes.conclude(job, plan, answer, chat_id=moved_to or sub.chat_id)
        if moved_to is not None:
            result = replace(result, moved_to_chat_id=moved_to)
        return result

    async def _admit(self, platform: str, chat_id: str) -> float:
        """Take a global and a per-chat slot; >0 means defer the row that many seconds."""
        chats, overall = self._chats[platform], self._global[platform]
        if overall.open_now():
            # nothing to wait for overall (limits off): the chat's own check is all there is
            return chats.take(chat_id)
        wait = max(chats.wait_for(chat_id), overall.paused_for())
        if wait > 0:
            return wait
        await overall.acquire()
        # checked again after the global wait: the chat slot is taken at the moment of sending
        return chats.take(chat_id)

    async def _admit_blocking(self, platform: str, chat_id: str) -> None:
        """For the rare second request of a row (follow-up reply, resend after a move)."""
        while (wait := await self._admit(platform, chat_id)) > 0:
            await asyncio.sleep(wait)

    async def _call(
        self,
        transport: Transport,
        target: Target,
        payload: Any,
        *,
        message_id: str | None = None,
        reply_to: str | None = None,
    ) -> SendResult:
        started = self._clock()
        try:
            if message_id is not None:
                answer = await transport.edit(target, message_id, payload)
            else:
                answer = await transport.send(target, payload, reply_to=reply_to)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an adapter should map everything; treat leaks as transient
            log.warning("transport %s raised %r", transport.platform, exc)
            answer = SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {exc}")
        took = self._clock() - started
        self._latency = took if self._latency is None else 0.8 * self._latency + 0.2 * took
        if self._metrics is not None:
            self._metrics.send_latency(transport.platform, took)
            if answer.outcome == Outcome.RETRY_AFTER:
                self._metrics.rate_limited(transport.platform)
        return answer
