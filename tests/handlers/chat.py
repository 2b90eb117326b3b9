"""Builders for command tests: chats that run commands, the fixed clock and the seed night."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.context import ChatKind, CommandContext, HandlerDeps, Identity, Message
from handlers.router import handle

KYIV = ZoneInfo("Europe/Kyiv")
# 07:30 Kyiv time on 4 July 2025, the morning after the seed night
NOW = datetime(2025, 7, 4, 4, 30, tzinfo=UTC)

SEED_NIGHT: dict[str, Any] = {
    "external_id": "seed/2025-07-04",
    "source": "Ukrainian Air Force",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T07:00:00+03:00",
    "regions": ["Kyiv", "Kyiv oblast", "Dnipropetrovsk oblast", "Kharkiv oblast"],
    "weapons": [
        {"model": "Shahed-136/131", "launched": 539, "destroyed": 268, "suppressed": 208},
        {"model": "Iskander-M/KN-23", "launched": 11, "destroyed": 2},
    ],
    "hit_locations": 8,
    "debris_locations": 33,
    "killed": 0,
    "injured": 23,
    "damage": ["apartment buildings in Kyiv", "a railway line"],
}


@dataclass
class Wakes:
    """Counts dispatcher wake-ups."""

    count: int = 0

    def __call__(self) -> None:
        self.count += 1


@dataclass
class Chat:
    """A chat on a fake platform; `send` runs a command in it as the given user."""

    deps: HandlerDeps
    chat_id: str = "100"
    kind: ChatKind = ChatKind.PRIVATE
    thread_id: str | None = None
    platform: str = "telegram"
    user: Identity | None = field(default_factory=lambda: Identity("telegram", "1", "Olena"))
    chat_admin: bool = False
    bot_admin: bool = False
    locale: str = "en"

    def context(self, command: str, args: str = "", callback: str | None = None) -> CommandContext:
        """The CommandContext a transport would build."""
        admin = self.chat_admin

        async def check() -> bool:
            return admin

        return CommandContext(
            platform=self.platform,
            chat_id=self.chat_id,
            chat_kind=self.kind,
            user=self.user,
            command=command,
            args=args,
            thread_id=self.thread_id,
            is_bot_admin=self.bot_admin,
            locale=self.locale,
            callback=callback,
            chat_admin_check=check,
        )

    async def send(self, command: str, args: str = "") -> list[Message]:
        """Run a command and return the replies."""
        return await handle(self.context(command, args), self.deps)

    async def press(self, data: str) -> list[Message]:
        """Press an inline button."""
        return await handle(self.context("callback", callback=data), self.deps)


def text(messages: list[Message]) -> str:
    """Everything a user would read in the replies, as one string."""
    parts = []
    for m in messages:
        parts.extend([m.title, *m.lines, *(f"{k}: {v}" for k, v in m.fields), m.footer])
        parts.extend(b.label for b in m.buttons)
    return "\n".join(p for p in parts if p)


