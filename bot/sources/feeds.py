"""RSS and Atom feeds read with feedparser; entry HTML reduced to plain text."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bot.sources.posts import Post, SourceError


def html_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, line breaks kept."""
    tree = HTMLParser(f"<div>{fragment}</div>")
    for hidden in tree.css("script, style"):
        hidden.decompose()
    for br in tree.css("br"):
        br.replace_with("\n")
    for block in tree.css("p, div, li"):
        block.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="") if root is not None else ""
    return "\n".join(line.strip() for line in text.splitlines()).strip()


def _published(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _entry_text(entry: Any) -> str:
    content = entry.get("content") or []
    body = content[0].get("value", "") if content else entry.get("summary", "")
    title = html_text(entry.get("title", ""))
    text = html_text(body)
    # many feeds repeat the title as the body's first line
    return text if not title or text.startswith(title) else f"{title}\n{text}"


def parse_feed(body: bytes, *, content_type: str = "", url: str = "") -> list[Post]:
    """Every entry of an RSS or Atom document, oldest first; SourceError when it is no readable feed."""
    # feeds have no use for their own entities; declaring them is how XML bombs are built,
    # and feedparser's fallback parser spends seconds on one that expat already refused
    if b"<!entity" in body.lower():
        raise SourceError("the feed declares XML entities; refused")
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    # a document feedparser had to guess at (bad XML, a wrong encoding) is reported, not half-read
    if parsed.get("bozo"):
        raise SourceError(f"malformed feed: {parsed.get('bozo_exception')}"[:300])
    if not parsed.entries:
        if not parsed.get("version"):
            raise SourceError("not an RSS or Atom feed")
        return []
    posts = []
    count = len(parsed.entries)
    for position, entry in enumerate(parsed.entries):
        link = entry.get("link") or url
        post_id = entry.get("id") or link
        published = _published(entry)
        # feeds list newest first; an entry without a date keeps its place
        key = published.strftime("%Y-%m-%dT%H:%M:%S") if published else f"~{count - position:08d}"
        posts.append(Post(str(post_id), str(link), _entry_text(entry), published, key))
    return sorted(posts, key=lambda p: p.sort_key)
