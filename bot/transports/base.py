"""The Transport protocol: the one seam between the dispatcher and a platform adapter."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from handlers.context import Message


class Outcome(StrEnum):
    """The platform's answer, reduced to what the dispatcher acts on."""

    OK = "ok"
    RETRY_AFTER = "retry_after"  # rate limited: wait exactly `retry_after` seconds
    TRANSIENT = "transient"  # 5xx, timeout, connection error: back off and retry
    GONE = "gone"  # blocked, kicked, chat not found, no access: deactivate
    MOVED = "moved"  # group became a supergroup: `new_chat_id`
    NOT_EDITABLE = "not_editable"  # too old, deleted: reply with a follow-up instead
    REJECTED = "rejected"  # any other 4xx: our request was wrong; retrying will not help


class TokenRefused(Exception):
    """The platform refused the bot's token at start: retrying cannot help (message is user-facing)."""


@dataclass(frozen=True)
class Target:
    """Where a message goes: a chat, and a forum topic / thread inside it."""

    chat_id: str
    thread_id: str | None = None
    # deliver without a notification sound (the chat's quiet hours); edits never notify anyway
    silent: bool = False


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    message_id: str | None = None
    retry_after: float | None = None
    # a 429 that holds every chat (Telegram flood control on the bot, Discord global)
    global_limit: bool = False
    new_chat_id: str | None = None
    error: str | None = None


class Transport(Protocol):
    """A platform adapter; `render` once per distinct message, then send or edit many times."""

    platform: str

    def render(self, message: Message) -> Any:
        """Turn a neutral Message into this platform's payload (escaped, within limits)."""

    async def send(self, target: Target, rendered: Any, *, reply_to: str | None = None) -> SendResult:
        """Post a new message."""

    async def edit(self, target: Target, message_id: str, rendered: Any) -> SendResult:
        """Replace the content of a message this bot sent earlier."""
