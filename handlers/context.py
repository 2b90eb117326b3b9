"""The platform-neutral seam: what a command gets (CommandContext) and gives back (Message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handlers.charts_spec import ChartRenderer
from handlers.drafts import PendingDrafts, SharedDrafts
from storage.protocol import Store

if TYPE_CHECKING:
    from handlers.render.instances import InstanceView


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    FORUM_TOPIC = "forum_topic"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Button:
    """An inline button; `data` comes back as a callback command (see CommandContext.callback)."""

    label: str
    data: str


@dataclass(frozen=True)
class Image:
    """A picture attached to a message (PNG bytes)."""

    data: bytes
    filename: str = "chart.png"


@dataclass
class Message:
    """A reply or alert in neutral form; transports render it (HTML, embed, text) and escape all text."""

    title: str = ""
    lines: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    footer: str = ""
    image: Image | None = None
    buttons: list[Button] = field(default_factory=list)
    # attack size for embed colour; None for ordinary replies
    launched: int | None = None
    # only the asking user should see it (Discord ephemeral; elsewhere a normal reply)
    private: bool = False
    # for a button press: replace the message that carried the button instead of replying
    replace: bool = False


@dataclass(frozen=True)
class Identity:
    """Who is asking: `platform:user_id` is how STRIKEBOT_ADMINS names bot admins."""

    platform: str
    user_id: str
    display_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class ReportOrigin:
    """Where a forwarded post was first published: its stable key and link (a public channel's post)."""

    external_id: str
    url: str
    published: datetime | None = None


@dataclass(frozen=True)
class Quoted:
    """The message a command replies to: its text (or caption) and, when forwarded, where it came from."""

    text: str
    origin: ReportOrigin | None = None


@dataclass
class CommandContext:
    """One command (or button press) from one chat, in platform-neutral form."""

    platform: str
    chat_id: str
    chat_kind: ChatKind
    user: Identity | None
    command: str
    args: str = ""
    thread_id: str | None = None
    is_bot_admin: bool = False
    locale: str = "en"
    # button presses arrive as the button's data with command == "callback"
    callback: str | None = None
    # asked lazily: Telegram needs a getChatMember round trip
    chat_admin_check: Callable[[], Awaitable[bool]] | None = None
    # the message this command replies to (/post as a reply to a forwarded report), if any
    quoted: Quoted | None = None

    async def is_chat_admin(self) -> bool:
        """Whether the user may change this chat's subscription (chat admin, or a private chat)."""
        if self.chat_kind == ChatKind.PRIVATE:
            return True
        if self.chat_admin_check is None:
            return False
        return await self.chat_admin_check()

    async def may_manage(self) -> bool:
        """Bot admins and chat admins may change a chat's subscription."""
        return self.is_bot_admin or await self.is_chat_admin()


@dataclass
class HandlerDeps:
    """Everything handlers need, built once in bot/app.py and passed in."""

    store: Store
    timezone: ZoneInfo
    default_locale: str = "en"
    # called after anything was queued in the outbox, so the dispatcher wakes at once
    wake_dispatcher: Callable[[], None] = lambda: None
    # called once per report posted, corrected or withdrawn from the chat, with the outcome
    # (created, revised, unchanged, rejected, retracted): the bot's ingest metric
    count_ingest: Callable[[str], None] = lambda outcome: None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(ZoneInfo("UTC")))
    # /post previews waiting for Confirm / Cancel (per process, expiring)
    drafts: PendingDrafts = field(default_factory=PendingDrafts)
    # draws /chart images (bot/charts.py); None: /chart answers with a text table
    chart: ChartRenderer | None = None
    # the followed sources (STRIKEBOT_SOURCES) /status lists; none: every source the store knows
    sources: tuple[str, ...] = ()
    # source reports waiting for review, kept in the database (set when the source watcher starts)
    shared_drafts: SharedDrafts | None = None
    # the instances sharing a PostgreSQL database, for /status (None: this process runs alone)
    instances: Callable[[], Awaitable[Sequence[InstanceView]]] | None = None
