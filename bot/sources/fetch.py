"""One conditional GET of a source: a timeout, a size cap and a User-Agent naming the bot."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.sources.posts import SourceError

USER_AGENT = "strikebot/0.1 (+https://github.com/strikebot; source watcher)"
MAX_BYTES = 2_000_000
_CHUNK = 65_536


@dataclass(frozen=True)
class Page:
    """What one fetch gave: None body when the source answered 304 Not Modified."""

    body: bytes | None
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
) -> Page:
    """GET `url` with the validators of the last good fetch; SourceError on anything but 200 or 304."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, text/html;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            if resp.status == 304:
                return Page(None)
            if resp.status != 200:
                raise SourceError(f"HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > max_bytes:
                raise SourceError(f"page larger than {max_bytes:,} bytes")
            body = bytearray()
            async for chunk in resp.content.iter_chunked(_CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise SourceError(f"page larger than {max_bytes:,} bytes")
            return Page(
                bytes(body),
                content_type=resp.content_type,
                charset=resp.charset,
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
            )
    except TimeoutError:
        raise SourceError(f"no answer within {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise SourceError(f"cannot fetch: {type(exc).__name__}: {exc}"[:300]) from None
