"""Neutral Message → Telegram HTML, escaped and within Telegram's length limits."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from handlers.context import Button, Message

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# a title or footer longer than this is cut first, so the body keeps room
_EDGE_LIMIT = 512
_ELLIPSIS = "…"
_BUTTONS_PER_ROW = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class TelegramPayload:
    """A rendered message: HTML text (or photo caption), keyboard and optional photo."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    photo: bytes | None = None
    photo_name: str = "chart.png"
    parse_mode: str = "HTML"

    @cached_property
    def markup_json(self) -> str | None:
        """The keyboard as the JSON the Bot API takes, serialized once for every chat it goes to."""
        return self.reply_markup.to_json() if self.reply_markup is not None else None

    @cached_property
    def message_form(self) -> bytes:
        """sendMessage's fields that every chat gets the same, urlencoded once for all of them."""
        fields = {"text": self.text, "parse_mode": self.parse_mode, "link_preview_options": NO_PREVIEW.to_json()}
        if self.markup_json is not None:
            fields["reply_markup"] = self.markup_json
        return urlencode(fields).encode("ascii")


def tg_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), measured on the HTML source.

    The limit applies to the text after entity parsing, which is never longer
    than the source, so measuring the source errs on the safe side.
    """
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape dynamic text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class _Piece:
    """One output line: raw text and the markup around its escaped form."""

    raw: str
    wrap: Callable[[str], str] = lambda s: s

    def html(self, raw: str | None = None) -> str:
        return self.wrap(escape(self.raw if raw is None else raw))


def _bold(s: str) -> str:
    return f"<b>{s}</b>"


def _italic(s: str) -> str:
    return f"<i>{s}</i>"


def _cut(piece: _Piece, budget: int) -> str | None:
    """The longest prefix of the piece's raw text (+ ellipsis) whose HTML fits in budget."""
    if tg_length(piece.html()) <= budget:
        return piece.html()
    lo, hi = 0, len(piece.raw)
    best: str | None = None
    # binary search on the raw prefix: escaping makes HTML length monotonic in it
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = piece.html(piece.raw[:mid].rstrip() + _ELLIPSIS)
        if tg_length(candidate) <= budget:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best


def _fit(head: list[_Piece], body: list[_Piece], tail: list[_Piece], limit: int) -> str:
    """Join pieces with newlines; if too long, cut whole body lines from the end."""
    full = "\n".join(p.html() for p in [*head, *body, *tail])
    if tg_length(full) <= limit:
        return full
    edges = [_cut(p, _EDGE_LIMIT) or "" for p in head], [_cut(p, _EDGE_LIMIT) or "" for p in tail]
    head_html = [h for h in edges[0] if h]
    tail_html = [t for t in edges[1] if t]
    marker = _ELLIPSIS
    used = tg_length("\n".join([*head_html, marker, *tail_html]))
    kept: list[str] = []
    for piece in body:
        line = piece.html()
        cost = tg_length(line) + 1  # +1 for the newline joining it
        if used + cost <= limit:
            kept.append(line)
            used += cost
            continue
        # the first line that does not fit is shortened when a useful part fits
        room = limit - used - 1
        if room >= 40:
            part = _cut(piece, room)
            if part:
                kept.append(part)
        break
    return "\n".join([*head_html, *kept, marker, *tail_html])


def render_html(message: Message, limit: int = TEXT_LIMIT) -> str:
    """The message as Telegram HTML: bold title, `name: value` fields, lines, italic footer."""
    head = [_Piece(message.title, _bold)] if message.title else []
    # fields (the headline numbers) before free lines: when a long damage list
    # must be cut, it is cut from the end and the numbers survive
    body = [_Piece(f"{name}: {value}") for name, value in message.fields]
    body += [_Piece(line) for line in message.lines]
    tail = [_Piece(message.footer, _italic)] if message.footer else []
    text = _fit(head, body, tail, limit)
    # Telegram rejects an empty text; a zero-width reply is still better than a 400
    return text if text.strip() else escape(_ELLIPSIS)


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard, a few per row."""
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in buttons[i : i + _BUTTONS_PER_ROW]]
        for i in range(0, len(buttons), _BUTTONS_PER_ROW)
    ]
    return InlineKeyboardMarkup(rows)


def render(message: Message) -> TelegramPayload:
    """The full payload; a message with an image becomes a photo with a caption."""
    if message.image is not None:
        return TelegramPayload(
            text=render_html(message, CAPTION_LIMIT),
            reply_markup=keyboard(message.buttons),
            photo=message.image.data,
            photo_name=message.image.filename,
        )
    return TelegramPayload(text=render_html(message), reply_markup=keyboard(message.buttons))
