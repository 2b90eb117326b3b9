"""A loopback HTTP server serving t.me/s-like pages and feeds the source tests build, and the posts on them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from html import escape

from aiohttp import web


def uk_post(drones: int, down: int, *, day: int = 5) -> str:
    """A morning post in the Air Force's format (written for these tests)."""
    return (
        f"У ніч на {day} липня (з 18:00 {day - 1} липня) противник атакував {drones} ударними БпЛА типу Shahed "
        "із напрямків: Курськ, Орел.\n\n"
        f"За попередніми даними, станом на 08:30 збито/подавлено {down} ворожих БпЛА.\n\n"
        "Основні напрямки удару - Одещина, Київщина."
    )


NOT_A_REPORT = "Шановні громадяни! Сьогодні о 12:00 перевірка системи оповіщення. Це не тривога."


def preview_page(posts: list[tuple[int, str]], channel: str = "testchannel") -> str:
    """A page shaped like https://t.me/s/<channel>: one block per post, text with <br> line breaks."""
    blocks = []
    for number, text in posts:
        body = "<br/>".join(escape(line) for line in text.split("\n"))
        blocks.append(
            f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message" data-post="{channel}/{number}">'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{body}</div>'
            f'<a class="tgme_widget_message_date" href="https://t.me/{channel}/{number}">'
            f'<time datetime="2025-07-05T06:{number % 60:02d}:00+00:00" class="time">09:00</time></a></div></div>'
        )
    return f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{''.join(blocks)}</body></html>"


def rss_feed(items: list[tuple[str, str]]) -> str:
    """An RSS 2.0 document, newest first, each item (link, text)."""
    entries = "".join(
        f"<item><title>Post</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Sat, 05 Jul 2025 06:{i:02d}:00 GMT</pubDate><description>{escape(text)}</description></item>"
        for i, (link, text) in reversed(list(enumerate(items)))
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


def atom_feed(items: list[tuple[str, str]]) -> str:
    """An Atom document, each entry (link, text)."""
    entries = "".join(
        f'<entry><id>{link}</id><title>Post</title><link href="{link}"/>'
        f"<updated>2025-07-05T06:{i:02d}:00Z</updated><content type=\"text\">{escape(text)}</content></entry>"
        for i, (link, text) in enumerate(items)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'


@dataclass
class Served:
    """One path's answer: the body and how to send it."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html"
    charset: str | None = "utf-8"
    etag: str | None = None
    delay: float = 0.0


@dataclass
class SourceServer:
    """The loopback server: tests set `pages[path]` and read `requests` (path, If-None-Match)."""

    pages: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, str | None, str]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, text: str | bytes, **kw: object) -> None:
        body = text.encode("utf-8") if isinstance(text, str) else text
        self.pages[path] = Served(body, **kw)  # type: ignore[arg-type]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            (request.path, request.headers.get("If-None-Match"), request.headers.get("User-Agent", ""))
        )
        served = self.pages.get(request.path)
        if served is None:
            return web.Response(status=404)
        if served.delay:
            await asyncio.sleep(served.delay)
        if served.etag and request.headers.get("If-None-Match") == served.etag:
            return web.Response(status=304)
        headers = {"ETag": served.etag} if served.etag else {}
        return web.Response(
            status=served.status, body=served.body, content_type=served.content_type, charset=served.charset,
            headers=headers,
        )

    async def __aenter__(self) -> SourceServer:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
