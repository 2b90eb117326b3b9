"""Plain data of the fake Bot API: users, chats, recorded calls, and their Bot API JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JSON = dict[str, Any]


class ChatKind(StrEnum):
    """Telegram chat types (a forum is a supergroup with `is_forum`)."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


class MemberStatus(StrEnum):
    """`ChatMember.status` values as the Bot API spells them."""

    CREATOR = "creator"
    ADMINISTRATOR = "administrator"
    MEMBER = "member"
    RESTRICTED = "restricted"
    LEFT = "left"
    KICKED = "kicked"


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user (or the bot itself when `is_bot`)."""

    id: int
    first_name: str = "Test"
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    language_code: str | None = "en"

    def to_api(self) -> JSON:
        """The `User` object as the Bot API returns it."""
        out: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code and not self.is_bot:
            out["language_code"] = self.language_code
        return out


@dataclass(frozen=True)
class FakeChat:
    """A Telegram chat; `id` follows Telegram's sign conventions (private > 0, groups < 0)."""

    id: int
    type: ChatKind
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False

    def to_api(self) -> JSON:
        """The short `Chat` object embedded in messages."""
        out: JSON = {"id": self.id, "type": self.type.value}
        if self.title is not None:
            out["title"] = self.title
        if self.username is not None:
            out["username"] = self.username
        if self.first_name is not None:
            out["first_name"] = self.first_name
        if self.is_forum:
            out["is_forum"] = True
        return out

    def to_full_info(self) -> JSON:
        """The `ChatFullInfo` object returned by getChat (every field PTB requires)."""
        out = self.to_api()
        out.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return out

    @property
    def is_group_like(self) -> bool:
        """True for groups, supergroups and channels (Telegram's 20/min bucket)."""
        return self.type is not ChatKind.PRIVATE


def guess_chat(chat_id: int) -> FakeChat:
    """A chat for an id the test never defined, typed by Telegram's id ranges."""
    if chat_id > 0:
        return FakeChat(chat_id, ChatKind.PRIVATE, first_name=f"User{chat_id}")
    if chat_id <= -1_000_000_000_000:
        return FakeChat(chat_id, ChatKind.SUPERGROUP, title=f"Supergroup {chat_id}")
    return FakeChat(chat_id, ChatKind.GROUP, title=f"Group {chat_id}")


@dataclass(slots=True)
class Call:
    """One request the fake answered: what was asked and what it answered."""

    method: str
    params: JSON
    chat_id: int | str | None
    mono: float  # time.monotonic() when the request arrived
    wall: float  # time.time() when the request arrived
    http_status: int = 200
    ok: bool = True
    result: Any = None
    error: str | None = None
    retry_after: int | None = None
    injected: bool = False  # the answer came from a scripted fault, not from the fake's logic
    throttled: bool = False  # the fake's own limit enforcement answered 429

    @property
    def text(self) -> str | None:
        """The text or caption the call carried, if any."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def thread_id(self) -> int | None:
        """The forum topic (`message_thread_id`) the call named, if any."""
        value = self.params.get("message_thread_id")
        return int(value) if value is not None else None

    @property
    def message_id(self) -> int | None:
        """The id of the message this call created or targeted."""
        if isinstance(self.result, dict) and "message_id" in self.result:
            return int(self.result["message_id"])
        mid = self.params.get("message_id")
        return int(mid) if mid is not None else None


@dataclass(frozen=True)
class AdminRights:
    """The rights of an administrator; defaults are a typical full admin."""

    can_manage_chat: bool = True
    can_delete_messages: bool = True
    can_manage_video_chats: bool = True
    can_restrict_members: bool = True
    can_promote_members: bool = False
    can_change_info: bool = True
    can_invite_users: bool = True
    can_post_stories: bool = False
    can_edit_stories: bool = False
    can_delete_stories: bool = False
    can_post_messages: bool = True
    can_edit_messages: bool = True
    can_pin_messages: bool = True
    can_manage_topics: bool = True


@dataclass
class Membership:
    """A user's standing in one chat."""

    status: MemberStatus
    rights: AdminRights = field(default_factory=AdminRights)
    is_anonymous: bool = False

    def to_api(self, user: FakeUser, chat: FakeChat) -> JSON:
        """The `ChatMember` object for getChatMember, complete for PTB's subclasses."""
        out: JSON = {"user": user.to_api(), "status": self.status.value}
        if self.status is MemberStatus.CREATOR:
            out["is_anonymous"] = self.is_anonymous
        elif self.status is MemberStatus.ADMINISTRATOR:
            rights = self.rights
            out.update(
                can_be_edited=False,
                is_anonymous=self.is_anonymous,
                can_manage_chat=rights.can_manage_chat,
                can_delete_messages=rights.can_delete_messages,
                can_manage_video_chats=rights.can_manage_video_chats,
                can_restrict_members=rights.can_restrict_members,
                can_promote_members=rights.can_promote_members,
                can_change_info=rights.can_change_info,
                can_invite_users=rights.can_invite_users,
                can_post_stories=rights.can_post_stories,
                can_edit_stories=rights.can_edit_stories,
                can_delete_stories=rights.can_delete_stories,
            )
            if chat.type is ChatKind.CHANNEL:
                out["can_post_messages"] = rights.can_post_messages
                out["can_edit_messages"] = rights.can_edit_messages
            else:
                out["can_pin_messages"] = rights.can_pin_messages
            if chat.is_forum:
                out["can_manage_topics"] = rights.can_manage_topics
        elif self.status is MemberStatus.RESTRICTED:
            out["is_member"] = True
            out["until_date"] = 0
            for name in ["can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages", "can_send_polls", "can_send_other_messages", "can_add_web_page_previews", "can_manage_topics", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_edit_tag"]:
                out[name] = False
        elif self.status is MemberStatus.KICKED:
            out["until_date"] = 0
        return out
