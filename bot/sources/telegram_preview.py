"""A public Telegram channel's web preview (https://t.me/s/<channel>) read with an HTML parser."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from bot.sources.posts import Post, SourceError

POST_ROOT = "https://t.me/"


def is_preview_url(url: str) -> bool:
    """Whether `url` is a channel's web preview page (t.me/s/<channel>)."""
    parts = urlsplit(url)
    return parts.hostname in ("t.me", "telegram.me") and parts.path.startswith("/s/")


def _text(node: Node) -> str:
    for br in node.css("br"):
        br.replace_with("\n")
    return "\n".join(line.strip() for line in node.text(separator="").splitlines()).strip()


def _published(message: Node) -> datetime | None:
    time = message.css_first(".tgme_widget_message_date time") or message.css_first("time[datetime]")
    stamp = time.attributes.get("datetime") if time is not None else None
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_preview(body: bytes, *, charset: str | None = None) -> list[Post]:
    """Every text post on the page, oldest first; SourceError when the page cannot be read as one."""
    try:
        html = body.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise SourceError(f"the page is not valid {charset or 'utf-8'} text") from None
    tree = HTMLParser(html)
    messages = tree.css("[data-post]")
    if not messages:
        raise SourceError("no posts found: not a t.me/s channel page")
    posts = []
    for message in messages:
        ref = message.attributes.get("data-post") or ""
        channel, _, number = ref.partition("/")
        if not channel or not number.isdigit():
            continue
        node = message.css_first(".tgme_widget_message_text")
        if node is None:
            continue  # a photo or a sticker without a caption
        posts.append(Post(ref, POST_ROOT + ref, _text(node), _published(message), f"{int(number):012d}"))
    return sorted(posts, key=lambda p: p.sort_key)
