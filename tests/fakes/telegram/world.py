"""The fake's state (chats, members, messages, updates) and the Bot API methods acting on it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from tests.fakes.telegram.model import (
    JSON,
    AdminRights,
    ChatKind,
    FakeChat,
    FakeUser,
    Membership,
    MemberStatus,
    guess_chat,
)

# Telegram's placeholder sender for admins who post anonymously as the group
ANONYMOUS_ADMIN: JSON = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                         "username": "GroupAnonymousBot"}
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,64})?")


class ApiError(Exception):
    """A Bot API error answer (`ok: false`)."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        """Keep the HTTP status, Telegram's description and optional `parameters`."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class TelegramWorld:
    """Everything the fake Telegram knows; the HTTP layer calls `api_<method>` on it."""

    def __init__(
        self,
        bot: FakeUser,
        *,
        store_texts: bool = True,
        strict_chats: bool = False,
    ) -> None:
        """An empty world where `bot` is the bot account."""
        self.bot = bot
        self.store_texts = store_texts
        self.strict_chats = strict_chats
        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, FakeUser] = {bot.id: bot}
        self.members: dict[tuple[int, int], Membership] = {}
        self.messages: dict[int, dict[int, JSON]] = {}
        self._next_message_id: dict[int, int] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.files: dict[str, bytes] = {}
        self.updates: list[JSON] = []
        self._next_update_id = 1
        self._update_event = asyncio.Event()
        self._callbacks: set[str] = set()
        self.answered_callbacks: dict[str, JSON] = {}
        self._next_user_id = 1001
        self._next_group_id = 1
        self._ids = 0

    # ----- defining the world (test side) -----

    def user(self, first_name: str = "Alice", *, username: str | None = None,
             user_id: int | None = None, language_code: str | None = "en") -> FakeUser:
        """Create a user with a fresh id (or `user_id`)."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user = FakeUser(user_id, first_name, username, language_code=language_code)
        self.users[user.id] = user
        return user

    def add_chat(self, chat: FakeChat) -> FakeChat:
        """Register a chat built by hand."""
        self.chats[chat.id] = chat
        return chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between `user` and the bot (its id is the user's id)."""
        return self.add_chat(
            FakeChat(user.id, ChatKind.PRIVATE, first_name=user.first_name, username=user.username)
        )

    def group(self, title: str = "Test group", *, chat_id: int | None = None) -> FakeChat:
        """A basic group (id like -4xxxxxxxx)."""
        return self.add_chat(FakeChat(chat_id or self._group_id(-400_000_000), ChatKind.GROUP, title))

    def supergroup(self, title: str = "Test supergroup", *, chat_id: int | None = None,
                   forum: bool = False, username: str | None = None) -> FakeChat:
        """A supergroup (id like -100xxxxxxxxxx); `forum=True` for topics."""
        chat_id = chat_id or self._group_id(-1_001_000_000_000)
        return self.add_chat(FakeChat(chat_id, ChatKind.SUPERGROUP, title, username, is_forum=forum))

    def forum(self, title: str = "Test forum", *, chat_id: int | None = None) -> FakeChat:
        """A forum supergroup (topics carry `message_thread_id`)."""
        return self.supergroup(title, chat_id=chat_id, forum=True)

    def channel(self, title: str = "Test channel", *, chat_id: int | None = None,
                username: str | None = None) -> FakeChat:
        """A channel; the bot is an administrator there unless set otherwise."""
        chat_id = chat_id or self._group_id(-1_002_000_000_000)
        chat = self.add_chat(FakeChat(chat_id, ChatKind.CHANNEL, title, username))
        self.members.setdefault((chat.id, self.bot.id), Membership(MemberStatus.ADMINISTRATOR))
        return chat

    def _group_id(self, base: int) -> int:
        self._next_group_id += 1
        return base - self._next_group_id

    def set_member(self, chat: FakeChat | int, user: FakeUser | int, status: MemberStatus | str,
                   *, rights: AdminRights | None = None) -> None:
        """Set what getChatMember answers for `user` in `chat`."""
        key = (_id(chat), _id(user))
        self.members[key] = Membership(MemberStatus(status), rights or AdminRights())

    def set_admin(self, chat: FakeChat | int, user: FakeUser | int, admin: bool = True, *,
                  rights: AdminRights | None = None) -> None:
        """Make `user` an administrator of `chat` (or a plain member with `admin=False`)."""
        status = MemberStatus.ADMINISTRATOR if admin else MemberStatus.MEMBER
        self.set_member(chat, user, status, rights=rights)

    def set_owner(self, chat: FakeChat | int, user: FakeUser | int) -> None:
        """Make `user` the creator of `chat`."""
        self.set_member(chat, user, MemberStatus.CREATOR)

    def chat(self, chat_id: int | str) -> FakeChat:
        """The chat for an id or `@username`; unknown ids get a chat guessed from the id."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self.chats.values():
                    if chat.username and chat.username.lower() == chat_id[1:].lower():
                        return chat
                raise _bad("chat not found")
            try:
                chat_id = int(chat_id)
            except ValueError:
                raise _bad("chat not found") from None
        found = self.chats.get(chat_id)
        if found is None:
            if self.strict_chats or chat_id == 0:
                raise _bad("chat not found")
            found = self.chats[chat_id] = guess_chat(chat_id)
        return found

    # ----- updates (test side) -----

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update (its `update_id` is assigned) for getUpdates."""
        update["update_id"] = self._next_update_id
        self._next_update_id += 1
        self.updates.append(update)
        self._update_event.set()
        return update

    def push_message(self, chat: FakeChat, user: FakeUser | None, text: str, *,
                     thread_id: int | None = None, reply_to: int | None = None) -> JSON:
        """A user writes `text` in `chat` (`user=None` in a group: an anonymous admin).

        Returns the stored message JSON; `/cmd` and `/cmd@bot` at the start get a bot_command entity.
        """
        msg = self._new_message(chat, user, text, thread_id)
        if reply_to is not None and reply_to in self.messages.get(chat.id, {}):
            msg["reply_to_message"] = _shallow(self.messages[chat.id][reply_to])
        kind = "channel_post" if chat.type is ChatKind.CHANNEL else "message"
        self.push_update({kind: dict(msg)})  # a copy: later edits must not rewrite queued updates
        return msg

    def push_forwarded(self, chat: FakeChat, user: FakeUser, text: str, *, channel: FakeChat,
                       channel_message_id: int, posted: int | None = None) -> JSON:
        """`user` forwards post `channel_message_id` of `channel` into `chat` (forward_origin of type channel)."""
        msg = self._new_message(chat, user, text, None)
        msg["forward_origin"] = {"type": "channel", "chat": channel.to_api(), "message_id": channel_message_id,
                                 "date": posted if posted is not None else int(time.time())}
        self.push_update({"message": dict(msg)})
        return msg

    def push_channel_post(self, chat: FakeChat, text: str) -> JSON:
        """A post in a channel (no sender user)."""
        return self.push_message(chat, None, text)

    def push_edited_message(self, chat: FakeChat, message_id: int, text: str) -> JSON:
        """A user edits an earlier message of theirs."""
        msg = self.messages[chat.id][message_id]
        msg["text"] = text
        msg["edit_date"] = int(time.time())
        kind = "edited_channel_post" if chat.type is ChatKind.CHANNEL else "edited_message"
        self.push_update({kind: dict(msg)})
        return msg

    def push_callback(self, chat: FakeChat, user: FakeUser, message_id: int, data: str) -> str:
        """`user` presses an inline button with `data` under message `message_id`; returns its query id."""
        self._ids += 1
        query_id = f"{self._ids}{user.id}"
        message = self.messages.get(chat.id, {}).get(message_id)
        if message is None:
            message = {"message_id": message_id, "date": int(time.time()), "chat": chat.to_api(),
                       "from": self.bot.to_api(), "text": ""}
        self._callbacks.add(query_id)
        self.push_update({"callback_query": {
            "id": query_id, "from": user.to_api(), "chat_instance": str(abs(chat.id)),
            "message": {k: v for k, v in message.items() if not k.startswith("_")}, "data": data,
        }})
        return query_id

    def push_my_chat_member(self, chat: FakeChat, by: FakeUser, status: MemberStatus | str) -> JSON:
        """The bot's own membership in `chat` changes (added as admin, removed, ...)."""
        key = (chat.id, self.bot.id)
        old = self.members.get(key, Membership(MemberStatus.LEFT))
        new = Membership(MemberStatus(status))
        self.members[key] = new
        return self.push_update({"my_chat_member": {
            "chat": chat.to_api(), "from": by.to_api(), "date": int(time.time()),
            "old_chat_member": old.to_api(self.bot, chat),
            "new_chat_member": new.to_api(self.bot, chat),
        }})

    def _new_message(self, chat: FakeChat, user: FakeUser | None, text: str,
                     thread_id: int | None) -> JSON:
        msg: JSON = {"message_id": self._take_message_id(chat.id), "date": int(time.time()),
                     "chat": chat.to_api()}
        if user is not None:
            msg["from"] = user.to_api()
        elif chat.type is not ChatKind.CHANNEL:
            msg["from"] = dict(ANONYMOUS_ADMIN)
        if chat.type is ChatKind.CHANNEL or user is None:
            msg["sender_chat"] = chat.to_api()
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            if chat.is_forum:
                msg["is_topic_message"] = True
        msg["text"] = text
        command = _COMMAND.match(text)
        if command:
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        self.messages.setdefault(chat.id, {})[msg["message_id"]] = msg
        return msg

    def _take_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = mid
        return mid

    async def wait_updates(self, offset: int, limit: int, timeout: float,
                           allowed: list[str] | None, closing: asyncio.Event) -> list[JSON]:
        """getUpdates: confirm below `offset`, then wait up to `timeout` s for something new."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self.updates if _allowed(u, allowed)][: max(1, min(limit, 100))]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or closing.is_set():
                return ready
            self._update_event.clear()
            waiter = asyncio.ensure_future(self._update_event.wait())
            closer = asyncio.ensure_future(closing.wait())
            try:
                await asyncio.wait({waiter, closer}, timeout=remaining,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                closer.cancel()
                await asyncio.gather(waiter, closer, return_exceptions=True)

    # ----- reading state (test side) -----

    def message(self, chat_id: FakeChat | int, message_id: int) -> JSON:
        """The stored message (current text after edits)."""
        return self.messages[_id(chat_id)][message_id]

    def text_of(self, chat_id: FakeChat | int, message_id: int) -> str | None:
        """The current text (or caption) of a stored message."""
        msg = self.message(chat_id, message_id)
        return msg.get("text", msg.get("caption"))

    def chat_messages(self, chat_id: FakeChat | int, *, from_bot: bool | None = True) -> list[JSON]:
        """Stored messages of a chat in order; `from_bot=None` for everyone's."""
        msgs = list(self.messages.get(_id(chat_id), {}).values())
        if from_bot is None:
            return msgs
        return [m for m in msgs if m.get("_by_bot", False) == from_bot]

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands the bot registered for a scope (default scope when None) and language."""
        return list(self.commands.get((_scope_key(scope), language_code), []))


def _id(obj: FakeChat | FakeUser | int) -> int:
    return obj if isinstance(obj, int) else obj.id


def _shallow(msg: JSON) -> JSON:
    return {k: v for k, v in msg.items() if not k.startswith("_") and k != "reply_to_message"}


def _scope_key(scope: Any) -> str:
    if not scope or scope == {"type": "default"}:
        return "default"
    return json.dumps(scope, sort_keys=True)


def _allowed(update: JSON, allowed: list[str] | None) -> bool:
    return not allowed or any(kind in update for kind in allowed)
