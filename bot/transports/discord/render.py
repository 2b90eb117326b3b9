"""Neutral Message → Discord embed (+ attachment, + buttons), escaped and within every embed limit."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord

from handlers.context import Button, Image, Message

# Discord's documented embed limits
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000
# a component custom_id holds at most 100 characters; ours carry a prefix
CUSTOM_ID_PREFIX = "sb:"
BUTTON_DATA_MAX = 100 - len(CUSTOM_ID_PREFIX)
BUTTON_LABEL_MAX = 80
BUTTONS_MAX = 25

ELLIPSIS = "…"
# an empty field name or value is a 400; a zero-width space is the usual stand-in
BLANK = "\u200b"

# colours by attack size (Message.launched); replies that are not alerts get the neutral one
NEUTRAL_COLOUR = 0x5865F2
_SIZE_COLOURS: tuple[tuple[int, int], ...] = (
    (500, 0x992D22),  # massive attack
    (200, 0xE74C3C),
    (50, 0xE67E22),
    (0, 0xF1C40F),
)

_LINE_START_MARKUP = re.compile(r"^(\s*)([#>\-])", re.MULTILINE)
_USER_MENTION = re.compile(r"<([@#])")
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def colour_for(launched: int | None) -> int:
    """The embed colour for an attack of this size (None: not an alert)."""
    if launched is None:
        return NEUTRAL_COLOUR
    for threshold, colour in _SIZE_COLOURS:
        if launched >= threshold:
            return colour
    return _SIZE_COLOURS[-1][1]


def escape_text(text: str) -> str:
    """Escape Discord markdown and defuse mentions, so free text shows literally and pings nobody."""
    out = discord.utils.escape_markdown(text)
    # escape_markdown leaves block markup (headings, quotes, lists) alone
    out = _LINE_START_MARKUP.sub(r"\1\\\2", out)
    out = discord.utils.escape_mentions(out)
    # <@id>, <@&role>, <#channel> would still render as mentions inside an embed
    return _USER_MENTION.sub(lambda m: "<\u200b" + m.group(1), out)


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, never leaving a dangling escape backslash."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def _nonblank(text: str) -> str:
    # Discord rejects empty and whitespace-only field names and values
    return text if text.strip() else BLANK


def _safe_filename(name: str) -> str:
    cleaned = _SAFE_FILENAME.sub("_", name).strip("._") or "image.png"
    return cleaned[:64]


def _embed_size(title: str, description: str, fields: list[tuple[str, str]], footer: str) -> int:
    return len(title) + len(description) + len(footer) + sum(len(n) + len(v) for n, v in fields)


@dataclass
class RenderedMessage:
    """A Message ready for Discord: the embed, an optional image and optional buttons."""

    embed: discord.Embed
    image: Image | None = None
    filename: str | None = None
    buttons: list[Button] = field(default_factory=list)
    private: bool = False
    replace: bool = False

    def file(self) -> discord.File | None:
        """A fresh File for one request (a File is a one-shot stream)."""
        if self.image is None or self.filename is None:
            return None
        return discord.File(io.BytesIO(self.image.data), filename=self.filename)

    def view(self) -> discord.ui.View | None:
        """The buttons as a View of CallbackButtons, or None when there are none."""
        if not self.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for button in self.buttons[:BUTTONS_MAX]:
            view.add_item(CallbackButton(button.data, label=button.label))
        return view

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for Messageable.send / followup.send (mentions always off)."""
        kwargs: dict[str, Any] = {
            "embed": self.embed,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        attachment = self.file()
        if attachment is not None:
            kwargs["file"] = attachment
        view = self.view()
        if view is not None:
            kwargs["view"] = view
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for Message.edit: replaces embed, attachments and buttons."""
        attachment = self.file()
        return {
            "content": None,
            "embed": self.embed,
            "attachments": [attachment] if attachment is not None else [],
            "view": self.view(),
            "allowed_mentions": discord.AllowedMentions.none(),
        }


def render_embed(message: Message) -> RenderedMessage:
    """Render a neutral Message as an embed within every Discord limit."""
    title = truncate(escape_text(message.title), TITLE_MAX) if message.title.strip() else ""
    description = escape_text("\n".join(message.lines)) if any(line.strip() for line in message.lines) else ""
    fields = [
        (_nonblank(truncate(escape_text(name), FIELD_NAME_MAX)), _nonblank(truncate(escape_text(value), FIELD_VALUE_MAX)))
        for name, value in message.fields
    ]
    if len(fields) > FIELDS_MAX:
        fields = [*fields[:FIELDS_MAX - 1], (ELLIPSIS, BLANK)]
    # the footer does not render markdown, so it is only cut, not escaped
    footer = truncate(message.footer, FOOTER_MAX) if message.footer.strip() else ""

    # the 6,000 total: shorten the description first, then drop trailing fields
    over = _embed_size(title, description, fields, footer) - TOTAL_MAX
    room = DESCRIPTION_MAX
    if over > 0:
        room = max(len(ELLIPSIS), min(DESCRIPTION_MAX, len(description) - over))
    description = truncate(description, room) if description else ""
    while fields and _embed_size(title, description, fields, footer) > TOTAL_MAX:
        fields.pop()
    if _embed_size(title, description, fields, footer) > TOTAL_MAX:
        footer = truncate(footer, max(1, TOTAL_MAX - _embed_size(title, description, fields, "")))

    if not (title or description or fields):
        # Discord rejects an embed with nothing in it
        description = BLANK
    embed = discord.Embed(
        title=title or None,
        description=description or None,
        colour=colour_for(message.launched),
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=len(value) <= 40)
    if footer:
        embed.set_footer(text=footer)

    filename = None
    if message.image is not None:
        filename = _safe_filename(message.image.filename)
        embed.set_image(url=f"attachment://{filename}")
    buttons = [
        Button(label=truncate(b.label, BUTTON_LABEL_MAX) or BLANK, data=b.data)
        for b in message.buttons
        if len(b.data) <= BUTTON_DATA_MAX
    ]
    return RenderedMessage(
        embed=embed,
        image=message.image,
        filename=filename,
        buttons=buttons,
        private=message.private,
        replace=message.replace,
    )


class CallbackButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"sb:(?P<data>[\s\S]{1,97})",
):
    """A button whose press reaches the command router as `ctx.callback` (survives restarts)."""

    def __init__(self, data: str, *, label: str = ELLIPSIS) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                custom_id=CUSTOM_ID_PREFIX + data,
                style=discord.ButtonStyle.secondary,
            )
        )
        self.data = data

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Button[discord.ui.View],
        match: re.Match[str],
        /,
    ) -> CallbackButton:
        """Rebuild the button from a pressed component's custom_id."""
        return cls(match["data"], label=item.label or ELLIPSIS)

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        """Hand the press to the client's interaction runner."""
        runner = getattr(interaction.client, "runner", None)
        if runner is not None:
            await runner.run_callback(interaction, self.data)
