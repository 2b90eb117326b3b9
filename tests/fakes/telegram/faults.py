"""Scripted failures and Telegram-like rate limits for the fake Bot API."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JSON = dict[str, Any]


class FaultKind(StrEnum):
    """How a scripted fault answers."""

    ERROR = "error"  # a Bot API error body with the given HTTP status
    HOLD = "hold"  # wait `hold` seconds before answering normally (client times out first)
    DISCONNECT = "disconnect"  # close the connection without any answer


@dataclass(frozen=True)
class Fault:
    """One scripted answer; build it with the classmethods, which mirror Telegram's bodies."""

    kind: FaultKind
    status: int = 400
    description: str = ""
    parameters: JSON | None = None
    hold: float = 0.0
    # HOLD only: whether the request still takes effect after the hold (message sent late)
    deliver: bool = False

    def body(self) -> JSON:
        """The JSON body Telegram would answer with."""
        out: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        return out

    @classmethod
    def error(cls, status: int, description: str, parameters: JSON | None = None) -> Fault:
        """Any Bot API error."""
        return cls(FaultKind.ERROR, status, description, parameters)

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        """429 flood control: PTB raises `RetryAfter(seconds)`."""
        return cls.error(
            429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
        )

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        """A 5xx from Telegram's front (PTB raises `NetworkError`)."""
        text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return cls.error(status, text.get(status, "Server Error"))

    @classmethod
    def timeout(cls, hold: float = 30.0, *, deliver: bool = False) -> Fault:
        """Hold the request `hold` s, longer than the client waits (PTB raises `TimedOut`)."""
        return cls(FaultKind.HOLD, 200, "", None, hold, deliver)

    @classmethod
    def disconnect(cls) -> Fault:
        """Drop the connection with no answer (PTB raises `NetworkError`)."""
        return cls(FaultKind.DISCONNECT)

    @classmethod
    def blocked(cls) -> Fault:
        """403: the user blocked the bot (PTB raises `Forbidden`)."""
        return cls.error(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def kicked(cls) -> Fault:
        """403: the bot was removed from the group (PTB raises `Forbidden`)."""
        return cls.error(403, "Forbidden: bot was kicked from the group chat")

    @classmethod
    def chat_not_found(cls) -> Fault:
        """400: unknown chat (PTB raises `BadRequest`)."""
        return cls.error(400, "Bad Request: chat not found")

    @classmethod
    def migrated(cls, new_chat_id: int) -> Fault:
        """400 with `migrate_to_chat_id` (PTB raises `ChatMigrated(new_chat_id)`)."""
        return cls.error(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    @classmethod
    def not_editable(cls) -> Fault:
        """400: the message is too old or otherwise locked (PTB raises `BadRequest`)."""
        return cls.error(400, "Bad Request: message can't be edited")

    @classmethod
    def not_modified(cls) -> Fault:
        """400: an edit with identical content (PTB raises `BadRequest`)."""
        return cls.error(
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )

    @classmethod
    def message_not_found(cls) -> Fault:
        """400: the message to edit does not exist (deleted)."""
        return cls.error(400, "Bad Request: message to edit not found")


@dataclass
class FaultRule:
    """A fault armed for matching calls; `times=None` means until removed."""

    fault: Fault
    # a Bot API method name, a set of names, or None for any method except getUpdates
    # (a wildcard must not break the test's own long poll)
    method: str | frozenset[str] | None = None
    chat_id: int | str | None = None  # None = any chat
    times: int | None = 1
    hits: int = 0

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        """Whether this rule answers a call of `method` to `chat_id`."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is None:
            if method == "getUpdates":
                return False
        elif isinstance(self.method, str):
            if self.method.lower() != method.lower():
                return False
        elif method not in self.method:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    @property
    def exhausted(self) -> bool:
        """True once the rule fired `times` times."""
        return self.times is not None and self.hits >= self.times


# Methods that count toward Telegram's message limits when enforcement is on.
LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)


@dataclass
class Limits:
    """Telegram's documented broadcast limits; `None` switches one off."""

    private_per_second: float | None = 1.0  # per private chat
    group_per_minute: int | None = 20  # per group, supergroup or channel
    global_per_second: int | None = 30  # whole bot
    # paid broadcasts (allow_paid_broadcast=true, paid in Stars) lift the whole-bot cap to this
    paid_per_second: int | None = 1000
    # a client pacing at exactly the limit sees network jitter; forgive this much
    tolerance: float = 0.01
    methods: frozenset[str] = LIMITED_METHODS


@dataclass
class _Window:
    stamps: deque[float] = field(default_factory=deque)

    def admit(self, now: float, limit: int, span: float, tolerance: float) -> float:
        """Record `now` if fewer than `limit` calls happened within `span`; else seconds to wait."""
        horizon = now - span + tolerance
        stamps = self.stamps
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) >= limit:
            return stamps[0] - horizon
        stamps.append(now)
        return 0.0


class RateLimiter:
    """Counts calls like Telegram does and tells when a call would be refused with 429."""

    def __init__(self, limits: Limits) -> None:
        """Start with empty windows."""
        self.limits = limits
        self._global = _Window()
        self._paid = _Window()
        self._chats: dict[str, _Window] = {}

    def check(
        self, method: str, chat_id: int | str | None, group_like: bool, now: float, *, paid: bool = False
    ) -> int:
        """0 if the call is admitted (and counted), else the `retry_after` seconds to answer.

        A `paid` call (allow_paid_broadcast) is held to `paid_per_second` instead of the free
        whole-bot cap; the per-chat limits apply to it all the same.
        """
        limits = self.limits
        if method not in limits.methods:
            return 0
        wait = 0.0
        if chat_id is not None:
            window = self._chats.setdefault(str(chat_id), _Window())
            if group_like and limits.group_per_minute:
                wait = window.admit(now, limits.group_per_minute, 60.0, limits.tolerance)
            elif not group_like and limits.private_per_second:
                span = 1.0 / limits.private_per_second
                wait = window.admit(now, 1, span, limits.tolerance)
        overall, cap = (self._paid, limits.paid_per_second) if paid else (self._global, limits.global_per_second)
        if wait == 0.0 and cap:
            wait = overall.admit(now, cap, 1.0, limits.tolerance)
            if wait and chat_id is not None:
                # refused globally: the per-chat slot taken above was not really used
                self._chats[str(chat_id)].stamps.pop()
        return max(1, math.ceil(wait)) if wait else 0

    def reset(self) -> None:
        """Forget all counted calls."""
        self._global = _Window()
        self._paid = _Window()
        self._chats.clear()
