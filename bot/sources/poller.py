"""The source watcher: each source polled every interval, its new and edited posts handed to the desk."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from bot.metrics import Metrics
from bot.sources.desk import ReportDesk
from bot.sources.feeds import parse_feed
from bot.sources.fetch import MAX_BYTES, Page, fetch
from bot.sources.posts import Post, SourceError
from bot.sources.telegram_preview import POST_ROOT, is_preview_url, parse_preview
from handlers.parser import NoReport, parse_report
from storage.protocol import Store
from storage.sources import SeenPost
from storage.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollerConfig:
    """How often and how carefully sources are read."""

    interval: float = 300.0
    timeout: float = 20.0
    max_bytes: int = MAX_BYTES
    # the longest wait after repeated errors
    max_backoff: float = 3600.0


@dataclass
class Backoff:
    """Exponential backoff with jitter after errors; back to the interval after a success."""

    interval: float
    ceiling: float
    failures: int = 0

    def next_delay(self, ok: bool, rng: random.Random) -> float:
        """Seconds until the next poll."""
        if ok:
            self.failures = 0
            return self.interval
        self.failures += 1
        delay = min(self.ceiling, min(self.interval, 30.0) * 2 ** (self.failures - 1))
        # jitter spreads retries of several processes and sources apart
        return rng.uniform(delay / 2, delay)


def read_posts(url: str, page: Page) -> list[Post]:
    """The posts on a fetched page: a t.me/s preview or an HTML page as one, anything else as a feed."""
    assert page.body is not None
    if is_preview_url(url) or page.content_type == "text/html":
        return parse_preview(page.body, charset=page.charset)
    return parse_feed(page.body, content_type=page.content_type, url=url)


def _link(post_id: str) -> str:
    # feed entries are known by their link; channel posts by channel/number
    return post_id if post_id.startswith(("http://", "https://")) else POST_ROOT + post_id


class SourcePoller:
    """Polls every source; one process per source at a time through the store's lease."""

    def __init__(
        self,
        store: Store,
        urls: Sequence[str],
        desk: ReportDesk,
        *,
        config: PollerConfig = PollerConfig(),
        metrics: Metrics | None = None,
        session: aiohttp.ClientSession | None = None,
        holder: str | None = None,
        now: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._urls = list(dict.fromkeys(urls))
        self._desk = desk
        self._config = config
        self._metrics = metrics
        self._session = session
        self.holder = holder or f"poller-{uuid.uuid4().hex[:12]}"
        self._now = now
        self._rng = rng or random.Random()

    async def __aenter__(self) -> SourcePoller:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        # a lease that ran into the past is free: a restarted process polls at once
        for url in self._urls:
            try:
                await self._store.lease_source(url, holder=self.holder, now=self._now(), seconds=-1)
            except Exception:
                log.warning("could not free the lease of a source", extra={"source": url})
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def run(self) -> None:
        """Poll every source forever, each in its own loop."""
        await asyncio.gather(*(self._loop(url) for url in self._urls))

    async def run_once(self) -> dict[str, str]:
        """Poll each source once, in order; the outcome per source URL (tests and one-shot use)."""
        return {url: await self.poll(url) for url in self._urls}

    async def _loop(self, url: str) -> None:
        backoff = Backoff(self._config.interval, max(self._config.max_backoff, self._config.interval))
        while True:
            outcome = await self.poll(url)
            await asyncio.sleep(backoff.next_delay(outcome != "error", self._rng))

    async def poll(self, url: str) -> str:
        """One poll: ok, not_modified, leased (another process has it) or error; never raises."""
        try:
            outcome = await self._poll(url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, SourceError):
                log.exception("source poll failed", extra={"source": url})
            else:
                log.warning("source poll failed", extra={"source": url, "error": reason})
            try:
                await self._store.source_failed(url, reason.splitlines()[0] if reason else "error", now=self._now())
            except Exception:
                log.exception("could not record the source error", extra={"source": url})
            outcome = "error"
        if self._metrics is not None:
            self._metrics.source_poll(url, outcome)
        return outcome

    async def _poll(self, url: str) -> str:
        store, now = self._store, self._now()
        # the lease outlives one interval so that another process skips the source until it runs out
        seconds = 2 * self._config.interval + self._config.timeout
        if not await store.lease_source(url, holder=self.holder, now=now, seconds=seconds):
            return "leased"
        state = await store.source_state(url)
        if self._session is None:
            raise RuntimeError("SourcePoller used outside `async with`")
        page = await fetch(
            self._session,
            url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
            timeout=self._config.timeout,
            max_bytes=self._config.max_bytes,
        )
        if page.body is None:
            await self._succeeded(url, page)
            return "not_modified"
        posts = await asyncio.to_thread(read_posts, url, page)
        await self._handle(url, posts, first=state is None or state.last_success is None)
        await self._succeeded(url, page)
        return "ok"

    async def _succeeded(self, url: str, page: Page) -> None:
        now = self._now()
        await self._store.source_succeeded(url, etag=page.etag, last_modified=page.last_modified, now=now)
        if self._metrics is not None:
            self._metrics.source_success(url, now)

    async def _handle(self, url: str, posts: list[Post], *, first: bool) -> None:
        """New and edited posts to the desk (oldest first), then deletions; the first poll only takes note."""
        seen = {p.post_id: p for p in await self._store.source_posts(url)}
        first = first and not seen
        for post in posts:
            before = seen.get(post.post_id)
            digest = post.content_hash
            if before is not None and before.content_hash == digest:
                continue
            report = await self._one(url, post, edited=before is not None and before.report, take_note=first)
            await self._store.save_source_post(
                url, SeenPost(post.post_id, digest, post.sort_key, report), now=self._now()
            )
        if not posts:
            return
        current = {p.post_id for p in posts}
        oldest = posts[0].sort_key
        for gone in seen.values():
            # a post older than the page's oldest just scrolled off; a newer one missing was deleted
            if gone.report and not gone.deleted and gone.post_id not in current and gone.sort_key > oldest:
                await self._desk.deleted(_link(gone.post_id))
                await self._store.save_source_post(
                    url,
                    SeenPost(gone.post_id, gone.content_hash, gone.sort_key, True, deleted=True),
                    now=self._now(),
                )

    async def _one(self, source: str, post: Post, *, edited: bool, take_note: bool) -> bool:
        """Parse one post and, unless only taking note, hand a report to the desk; whether it is a report."""
        try:
            result = parse_report(post.text, post.published, now=self._now())
        except NoReport as exc:
            log.debug("source post is not a report", extra={"post": post.url, "reason": str(exc)})
            return False
        if take_note:
            return True
        outcome = await self._desk.report(result, url=post.url, edited=edited, source=source)
        log.info("source post handled", extra={"post": post.url, "outcome": outcome, "edited": edited})
        return True
