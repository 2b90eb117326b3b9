"""Prometheus metrics: one registry per running app, fed by the API, dispatcher and transports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from storage.protocol import Store

log = logging.getLogger(__name__)

INGEST_OUTCOMES = ("created", "revised", "unchanged", "rejected", "retracted")
# where a report came in: the HTTP API, a bot admin's /post, /correct, /retract in a chat, or a
# followed source in auto mode (a confirmed source preview counts as chat).
# `strikebot ingest` and `import-csv` run in processes of their own, whose counters nobody
# scrapes: what they stored shows in strikebot_summaries_stored, read from the store.
INGEST_SOURCES = ("api", "chat", "source")
# Chat sends are usually tens of milliseconds; a slow platform or a retry_after shows in the tail.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Every metric of the bot on its own CollectorRegistry (no global state between apps or tests)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self._ingested = Counter(
            "strikebot_summaries_ingested",
            "Summaries posted, corrected or withdrawn through this process, by source (api, chat) and outcome.",
            ["source", "outcome"],
            registry=r,
        )
        for source in INGEST_SOURCES:
            for outcome in INGEST_OUTCOMES:
                self._ingested.labels(source, outcome)
        self._stored = Gauge(
            "strikebot_summaries_stored",
            "Summaries in the store, retracted ones included, whoever wrote them (the CLI too); read at scrape time.",
            registry=r,
        )
        self._deliveries = Counter(
            "strikebot_deliveries",
            "Outbox rows finished by the dispatcher, by platform and outcome (sent, retry, dead, skipped, …).",
            ["platform", "outcome"],
            registry=r,
        )
        self._latency = Histogram(
            "strikebot_send_latency_seconds",
            "Time one platform call (send, edit) took, by platform.",
            ["platform"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self._rate_limited = Counter(
            "strikebot_rate_limited",
            "HTTP 429 answers received from a platform.",
            ["platform"],
            registry=r,
        )
        self._outbox_depth = Gauge(
            "strikebot_outbox_pending",
            "Outbox rows not yet finished (due or scheduled later), read from the store at scrape time.",
            registry=r,
        )
        self._outbox_due = Gauge(
            "strikebot_outbox_due", "Outbox rows due now, read at scrape time.", registry=r
        )
        self._outbox_in_flight = Gauge(
            "strikebot_outbox_in_flight", "Outbox rows leased by a dispatcher, read at scrape time.", registry=r
        )
        self._outbox_dead = Gauge(
            "strikebot_outbox_dead", "Outbox rows given up on, read at scrape time.", registry=r
        )
        self._oldest_due = Gauge(
            "strikebot_outbox_oldest_due_age_seconds",
            "How long the oldest due outbox row has been waiting, read at scrape time.",
            registry=r,
        )
        self._subscriptions = Gauge(
            "strikebot_subscriptions_active",
            "Active subscriptions by platform, read at scrape time.",
            ["platform"],
            registry=r,
        )
        self._store_up = Gauge(
            "strikebot_store_up", "1 when the store answered the last scrape, else 0.", registry=r
        )
        self._source_polls = Counter(
            "strikebot_source_polls",
            "Polls of a followed source by this process, by source URL and outcome (ok, not_modified, error, leased).",
            ["source", "outcome"],
            registry=r,
        )
        self._source_success = Gauge(
            "strikebot_source_last_success_timestamp_seconds",
            "When a followed source was last read without error, by any process (Unix time).",
            ["source"],
            registry=r,
        )

    # --- called by the API and (through HandlerDeps.count_ingest) the chat commands ---
    def ingested(self, source: str, outcome: str, n: int = 1) -> None:
        """Count summaries from a source (api, chat) by outcome: created, revised, unchanged, rejected, retracted."""
        self._ingested.labels(source, outcome).inc(n)

    # --- called by the source poller ---------------------------------------------
    def source_poll(self, source: str, outcome: str) -> None:
        """Count one poll of a followed source (outcome: ok, not_modified, error, leased)."""
        self._source_polls.labels(source, outcome).inc()

    def source_success(self, source: str, when: datetime) -> None:
        """Record when a followed source was last read without error."""
        self._source_success.labels(source).set(when.timestamp())

    # --- called by the dispatcher and transports ---------------------------------
    def delivery(self, platform: str, outcome: str, n: int = 1) -> None:
        """Count finished outbox rows (outcome: sent, retry, dead, skipped, deactivated, …)."""
        self._deliveries.labels(platform, outcome).inc(n)

    def send_latency(self, platform: str, seconds: float) -> None:
        """Record how long one platform call took."""
        self._latency.labels(platform).observe(seconds)

    def rate_limited(self, platform: str) -> None:
        """Count one 429 answer from a platform."""
        self._rate_limited.labels(platform).inc()

    # --- scrape -----------------------------------------------------------
    async def refresh_from_store(self, store: Store, *, now: datetime | None = None) -> bool:
        """Read outbox and subscription gauges from the store; False (and store_up 0) when it fails."""
        try:
            figures = await store.outbox_figures(now=now or datetime.now(UTC))
            queue, counts, stored = figures.queue, figures.subscriptions, figures.summaries
            sources = await store.source_states()
        except Exception as exc:  # a scrape must still answer, with the store marked down
            log.warning("metrics: store did not answer: %s", exc)
            self._store_up.set(0)
            return False
        self._store_up.set(1)
        for source in sources:
            if source.last_success is not None:
                self.source_success(source.url, source.last_success)
        self._stored.set(stored)
        self._outbox_depth.set(queue.pending)
        self._outbox_due.set(queue.due)
        self._outbox_in_flight.set(queue.in_flight)
        self._outbox_dead.set(queue.dead)
        self._oldest_due.set(queue.oldest_due_age_seconds)
        # a platform whose last subscription went away must drop to 0, not keep its old value
        self._subscriptions.clear()
        for platform, count in counts.items():
            self._subscriptions.labels(platform).set(count)
        return True

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)
