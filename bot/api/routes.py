"""The HTTP API's endpoints (docs/design.md "HTTP API" contract): ingest, retract, read, parse, stats, health, metrics."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import tzinfo
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.api.auth import BearerAuth
from bot.api.body import parse_json, parse_text, read_body, require_json, require_text
from bot.api.errors import ApiError, error_middleware
from bot.api.models import BODY_TIMEOUT, MAX_BODY, MAX_LATEST, HealthReply, IngestReply, SourceHealth
from bot.api.openapi import openapi_document
from bot.api.replies import json_reply
from bot.api.server_log import ServerLog
from bot.metrics import Metrics
from handlers.ingest import IngestError, parse_summary
from handlers.parser import NoReport, parse_report
from handlers.serialize import QueryError, parse_region, parse_when, stats_to_dict, summary_to_dict
from storage.protocol import Store
from storage.sources import followed_sources

log = logging.getLogger(__name__)

# SQLite and PostgreSQL ids are signed 64-bit; a bigger number cannot name a row
_MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_HEALTH_TIMEOUT = 2.0


class _Api:
    """The endpoint handlers, sharing the store, auth and metrics."""

    def __init__(
        self,
        store: Store,
        *,
        auth: BearerAuth,
        metrics: Metrics,
        wake_dispatcher: Callable[[], None],
        health: Callable[[], Awaitable[bool]] | None,
        tz: tzinfo,
        sources: Sequence[str] = (),
        body_timeout: float = BODY_TIMEOUT,
    ) -> None:
        self.store = store
        self.auth = auth
        self.metrics = metrics
        self.wake = wake_dispatcher
        self.health_check = health
        self.tz = tz
        self.sources = tuple(sources)
        self.body_timeout = body_timeout
        self.openapi = openapi_document()

    async def ingest(self, request: web.Request) -> web.Response:
        """POST /v1/summaries: validate, store (notify), wake the dispatcher."""
        self.auth.check(request)
        try:
            body = await read_body(request, MAX_BODY, self.body_timeout)
            require_json(request)
            payload = parse_json(body)
        except ApiError:  # too large, too slow, unreadable, not JSON: a feed's report was refused
            self.metrics.ingested("api", "rejected")
            raise
        try:
            draft = parse_summary(payload, live=True)
        except IngestError as exc:
            self.metrics.ingested("api", "rejected")
            log.info("ingest rejected", extra={"errors": len(exc.errors), "first": exc.errors[0]["loc"]})
            raise ApiError(422, exc.errors) from None
        outcome = await self.store.ingest(draft, notify=True)
        self.metrics.ingested("api", outcome.status)
        log.info(
            "ingest",
            extra={
                "summary_id": outcome.id,
                "revision": outcome.revision,
                "outcome": outcome.status,
                "deliveries": outcome.deliveries,
            },
        )
        if outcome.status != "unchanged":
            self.wake()
        reply = IngestReply(id=outcome.id, revision=outcome.revision, status=outcome.status)
        return json_reply(reply.model_dump(), status=201 if outcome.status == "created" else 200)

    async def parse(self, request: web.Request) -> web.Response:
        """POST /v1/reports/parse: a report's text → its ingest draft and warnings; nothing is stored."""
        self.auth.check(request)
        require_text(request)
        raw = request.query.get("published", "").strip()
        try:
            published = parse_when(raw, self.tz, loc="published") if raw else None
        except QueryError as exc:
            raise ApiError(422, exc.errors) from None
        text = parse_text(await read_body(request, MAX_BODY, self.body_timeout))
        try:
            result = parse_report(text, published, tz=self.tz)
        except NoReport as exc:
            raise ApiError.one(422, f"no report in the text: {exc}") from None
        try:
            # what is answered must be postable as it is: the same checks as history ingest
            parse_summary(result.draft, live=False)
        except IngestError as exc:
            errors = [{"loc": f"summary.{e['loc']}" if e["loc"] else "summary", "msg": e["msg"]} for e in exc.errors]
            raise ApiError(422, errors) from None
        log.info("report parsed", extra={"chars": len(text), "warnings": len(result.warnings)})
        return json_reply({"summary": result.draft, "warnings": result.warnings})

    async def retract(self, request: web.Request) -> web.Response:
        """POST /v1/summaries/{id}/retract."""
        self.auth.check(request)
        summary_id = _summary_id(request)
        summary = await self.store.retract(summary_id)
        if summary is None:
            self.metrics.ingested("api", "rejected")
            raise ApiError.one(404, f"no summary with id {summary_id}", "id")
        self.metrics.ingested("api", "retracted")
        log.info("retracted", extra={"summary_id": summary_id})
        self.wake()
        return json_reply(summary_to_dict(summary))

    async def latest(self, request: web.Request) -> web.Response:
        """GET /v1/summaries/latest?n=."""
        raw = request.query.get("n", "").strip()
        n = 5
        if raw:
            if not _DIGITS.match(raw) or not 1 <= int(raw) <= MAX_LATEST:
                raise ApiError.one(422, f"n must be an integer from 1 to {MAX_LATEST}", "n")
            n = int(raw)
        summaries = await self.store.latest(n)
        return json_reply([summary_to_dict(s) for s in summaries])

    async def get_summary(self, request: web.Request) -> web.Response:
        """GET /v1/summaries/{id}."""
        summary_id = _summary_id(request)
        summary = await self.store.get_summary(summary_id)
        if summary is None:
            raise ApiError.one(404, f"no summary with id {summary_id}", "id")
        return json_reply(summary_to_dict(summary))

    async def stats(self, request: web.Request) -> web.Response:
        """GET /v1/stats?since=&until=&region=."""
        q = request.query
        errors = []
        since = until = None
        region = None
        try:
            since = parse_when(q["since"], self.tz, loc="since") if q.get("since", "").strip() else None
        except QueryError as exc:
            errors += exc.errors
        try:
            until = parse_when(q["until"], self.tz, loc="until") if q.get("until", "").strip() else None
        except QueryError as exc:
            errors += exc.errors
        try:
            region = parse_region(q["region"]) if q.get("region", "").strip() else None
        except QueryError as exc:
            errors += exc.errors
        if errors:
            raise ApiError(422, errors)
        stats = await self.store.stats(since=since, until=until, region=region)
        return json_reply(stats_to_dict(stats))

    async def healthz(self, request: web.Request) -> web.Response:
        """GET /healthz: 200 when the store answers and the transports started, else 503."""
        store_ok = await _within(self.store.ping(), "store ping")
        transports_ok = True if self.health_check is None else await _within(self.health_check(), "transports")
        ok = store_ok is True and transports_ok is True
        reply = HealthReply(
            status="ok" if ok else "unavailable",
            store=store_ok is True,
            transports=transports_ok is True,
            # a source that is down is news for operators, not a reason to restart the bot
            sources=await self._source_health() if store_ok is True else [],
        )
        return json_reply(reply.model_dump(mode="json"), status=200 if ok else 503)

    async def _source_health(self) -> list[SourceHealth]:
        try:
            states = await asyncio.wait_for(self.store.source_states(), _HEALTH_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("health: source states failed: %s", exc or type(exc).__name__)
            states = []
        return [
            SourceHealth(
                url=s.url,
                status=s.health,
                last_success=s.last_success,
                last_error=s.last_error,
                last_error_at=s.last_error_at,
                posts_seen=s.posts_seen,
            )
            for s in followed_sources(states, self.sources)
        ]

    async def metrics_text(self, request: web.Request) -> web.Response:
        """GET /metrics in the Prometheus text format."""
        await self.metrics.refresh_from_store(self.store)
        return web.Response(body=self.metrics.render(), headers={"Content-Type": self.metrics.content_type})

    async def openapi_json(self, request: web.Request) -> web.Response:
        """GET /v1/openapi.json."""
        return json_reply(self.openapi)


async def _within(check: Awaitable[object], what: str) -> bool:
    """True when the awaitable finishes in time without raising and does not return False."""
    try:
        result = await asyncio.wait_for(check, _HEALTH_TIMEOUT)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("health: %s failed: %s", what, exc or type(exc).__name__)
        return False
    return result is not False


def _summary_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not _DIGITS.match(raw) or not 1 <= int(raw) <= _MAX_ID:
        raise ApiError.one(404, f"no summary with id {raw[:30]!r}", "id")
    return int(raw)


def build_api(
    store: Store,
    *,
    api_token: str | None,
    metrics: Metrics,
    wake_dispatcher: Callable[[], None],
    health: Callable[[], Awaitable[bool]] | None = None,
    timezone: str | tzinfo = "Europe/Kyiv",
    sources: Sequence[str] = (),
    body_timeout: float = BODY_TIMEOUT,
) -> web.Application:
    """The aiohttp application of the HTTP API; the caller runs it (AppRunner) and owns the store.

    `wake_dispatcher` is called after a live ingest or retraction queued
    deliveries; `health` reports whether the transports started (None: always).
    `timezone` is what /v1/stats takes times without an offset in.
    `sources` are the followed sources /healthz lists (none: every source the store knows).
    `body_timeout` is how many seconds a client has to send a request body.
    """
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    api = _Api(
        store,
        auth=BearerAuth(api_token),
        metrics=metrics,
        wake_dispatcher=wake_dispatcher,
        health=health,
        tz=tz,
        sources=sources,
        body_timeout=body_timeout,
    )
    # the body is read by read_body with its own limit; this only has to be above it
    app = web.Application(
        middlewares=[error_middleware], client_max_size=MAX_BODY + 1, handler_args={"logger": ServerLog()}
    )
    app.router.add_post("/v1/summaries", api.ingest)
    app.router.add_post("/v1/summaries/{id}/retract", api.retract)
    app.router.add_get("/v1/summaries/latest", api.latest)
    app.router.add_get("/v1/summaries/{id}", api.get_summary)
    app.router.add_post("/v1/reports/parse", api.parse)
    app.router.add_get("/v1/stats", api.stats)
    app.router.add_get("/v1/openapi.json", api.openapi_json)
    app.router.add_get("/healthz", api.healthz)
    app.router.add_get("/metrics", api.metrics_text)
    return app
