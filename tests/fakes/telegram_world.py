"""The fake's state (chats, members, messages, updates) and the Bot API methods acting on it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from tests.fakes.telegram_model import (
    JSON,
    AdminRights,
    ChatKind,
    FakeChat,
    FakeUser,
    Membership,
    MemberStatus,
    guess_chat,
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
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
        """A user writes `text` in `chat`; returns the stored message JSON."""
        msg = self._new_message(chat, user, text, thread_id)
        if reply_to is not None and reply_to in self.messages.get(chat.id, {}):
            msg["reply_to_message"] = _shallow(self.messages[chat.id][reply_to])
        kind = "channel_post" if chat.type is ChatKind.CHANNEL else "message"
        self.push_update({kind: msg})
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
            "message": dict(message), "data": data,
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

    # ----- Bot API methods -----

    def api_getMe(self, p: JSON) -> JSON:
        """getMe."""
        me = self.bot.to_api()
        me.update(can_join_groups=True, can_read_all_group_messages=False,
                  supports_inline_queries=False, can_connect_to_business=False,
                  has_main_web_app=False)
        return me

    def api_sendMessage(self, p: JSON) -> JSON:
        """sendMessage."""
        chat = self._writable_chat(p)
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise _bad("message is too long")
        _check_markup(text, p.get("parse_mode"))
        msg = self._bot_message(chat, p)
        msg["text"] = text
        return self._store(chat, msg, p)

    def api_sendPhoto(self, p: JSON) -> JSON:
        """sendPhoto (upload as bytes, or a file_id / URL string)."""
        chat = self._writable_chat(p)
        photo = p.get("photo")
        if photo is None or photo == "":
            raise _bad("there is no photo in the request")
        caption = p.get("caption")
        if isinstance(caption, str):
            if len(caption) > CAPTION_LIMIT:
                raise _bad("message caption is too long")
            _check_markup(caption, p.get("parse_mode"))
        self._ids += 1
        file_id = f"photo-{self._ids}"
        size = len(photo) if isinstance(photo, bytes) else 0
        if isinstance(photo, bytes) and self.store_texts:
            self.files[f"photos/{file_id}.jpg"] = photo
        msg = self._bot_message(chat, p)
        msg["photo"] = [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280,
                         "height": 720, "file_size": size}]
        if caption:
            msg["caption"] = caption
        return self._store(chat, msg, p)

    def api_editMessageText(self, p: JSON) -> JSON | bool:
        """editMessageText."""
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        _check_markup(text, p.get("parse_mode"))
        return self._edit(p, "text", text)

    def api_editMessageCaption(self, p: JSON) -> JSON | bool:
        """editMessageCaption."""
        caption = p.get("caption") or ""
        if len(caption) > CAPTION_LIMIT:
            raise _bad("message caption is too long")
        _check_markup(caption, p.get("parse_mode"))
        return self._edit(p, "caption", caption)

    def api_editMessageReplyMarkup(self, p: JSON) -> JSON | bool:
        """editMessageReplyMarkup."""
        return self._edit(p, None, None)

    def api_deleteMessage(self, p: JSON) -> bool:
        """deleteMessage."""
        chat = self.chat(p.get("chat_id", 0))
        if self.messages.get(chat.id, {}).pop(int(p.get("message_id", 0)), None) is None:
            if self.store_texts:
                raise _bad("message to delete not found")
        return True

    def api_answerCallbackQuery(self, p: JSON) -> bool:
        """answerCallbackQuery."""
        query_id = str(p.get("callback_query_id", ""))
        if query_id not in self._callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callbacks.discard(query_id)
        self.answered_callbacks[query_id] = dict(p)
        return True

    def api_setMyCommands(self, p: JSON) -> bool:
        """setMyCommands (kept per scope and language)."""
        commands = p.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[(_scope_key(p.get("scope")), p.get("language_code") or "")] = list(commands)
        return True

    def api_getMyCommands(self, p: JSON) -> list[JSON]:
        """getMyCommands."""
        return self.commands_for(p.get("scope"), p.get("language_code") or "")

    def api_deleteMyCommands(self, p: JSON) -> bool:
        """deleteMyCommands."""
        self.commands.pop((_scope_key(p.get("scope")), p.get("language_code") or ""), None)
        return True

    def api_getChatMember(self, p: JSON) -> JSON:
        """getChatMember (ChatMemberMember unless the test set otherwise)."""
        chat = self.chat(p.get("chat_id", 0))
        user_id = int(p.get("user_id", 0))
        user = self.users.get(user_id)
        if user is None:
            raise _bad("user not found")
        default = MemberStatus.MEMBER
        if chat.type is ChatKind.PRIVATE and user_id not in (chat.id, self.bot.id):
            raise _bad("user not found")
        membership = self.members.get((chat.id, user_id), Membership(default))
        return membership.to_api(user, chat)

    def api_getChatAdministrators(self, p: JSON) -> list[JSON]:
        """getChatAdministrators."""
        chat = self.chat(p.get("chat_id", 0))
        admins = (MemberStatus.ADMINISTRATOR, MemberStatus.CREATOR)
        return [m.to_api(self.users[uid], chat) for (cid, uid), m in self.members.items()
                if cid == chat.id and m.status in admins and uid in self.users]

    def api_getChat(self, p: JSON) -> JSON:
        """getChat."""
        return self.chat(p.get("chat_id", 0)).to_full_info()

    def api_getFile(self, p: JSON) -> JSON:
        """getFile (for photos the fake stored)."""
        file_id = str(p.get("file_id", ""))
        path = f"photos/{file_id}.jpg"
        if path not in self.files:
            raise _bad("invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                "file_size": len(self.files[path]), "file_path": path}

    def api_leaveChat(self, p: JSON) -> bool:
        """leaveChat."""
        chat = self.chat(p.get("chat_id", 0))
        self.members[(chat.id, self.bot.id)] = Membership(MemberStatus.LEFT)
        return True

    def api_getWebhookInfo(self, p: JSON) -> JSON:
        """getWebhookInfo (never a webhook here)."""
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    def api_harmless(self, p: JSON) -> bool:
        """deleteWebhook, close, logOut, sendChatAction, pinChatMessage...: just True."""
        return True

    # ----- helpers -----

    def _writable_chat(self, p: JSON) -> FakeChat:
        chat = self.chat(p.get("chat_id", 0))
        status = self.members.get((chat.id, self.bot.id))
        if status is not None and status.status in (MemberStatus.LEFT, MemberStatus.KICKED):
            if chat.type is ChatKind.CHANNEL:
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat.type is ChatKind.CHANNEL and (status is None or status.status is MemberStatus.MEMBER):
            raise _bad("need administrator rights in the channel chat")
        thread = p.get("message_thread_id")
        if thread is not None and chat.type is ChatKind.PRIVATE:
            raise _bad("message thread not found")
        return chat

    def _bot_message(self, chat: FakeChat, p: JSON) -> JSON:
        msg: JSON = {"message_id": self._take_message_id(chat.id), "date": int(time.time()),
                     "chat": chat.to_api()}
        if chat.type is ChatKind.CHANNEL:
            msg["sender_chat"] = msg["chat"]
        else:
            msg["from"] = self.bot.to_api()
        thread = p.get("message_thread_id")
        if thread is not None:
            msg["message_thread_id"] = int(thread)
            if chat.is_forum:
                msg["is_topic_message"] = True
        reply_to = _reply_to_id(p)
        if reply_to is not None and self.store_texts:
            original = self.messages.get(chat.id, {}).get(reply_to)
            if original is None:
                if not p.get("allow_sending_without_reply") and not _reply_optional(p):
                    raise _bad("message to be replied not found")
            else:
                msg["reply_to_message"] = _shallow(original)
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        return msg

    def _store(self, chat: FakeChat, msg: JSON, p: JSON) -> JSON:
        if self.store_texts:
            stored = dict(msg)
            stored["_by_bot"] = True
            if p.get("parse_mode"):
                stored["_parse_mode"] = p["parse_mode"]
            self.messages.setdefault(chat.id, {})[msg["message_id"]] = stored
        return msg

    def _edit(self, p: JSON, field: str | None, value: str | None) -> JSON | bool:
        if p.get("inline_message_id"):
            return True
        chat = self.chat(p.get("chat_id", 0))
        message_id = int(p.get("message_id", 0))
        stored = self.messages.get(chat.id, {}).get(message_id)
        if stored is None:
            if self.store_texts or message_id > self._next_message_id.get(chat.id, 0):
                raise _bad("message to edit not found")
            stored = {"message_id": message_id, "date": int(time.time()), "chat": chat.to_api(),
                      "from": self.bot.to_api(), "_by_bot": True}
        if not stored.get("_by_bot"):
            raise _bad("message can't be edited")
        if field == "text" and "text" not in stored and self.store_texts:
            raise _bad("there is no text in the message to edit")
        markup = p.get("reply_markup")
        same_value = field is None or stored.get(field) == value
        if same_value and stored.get("reply_markup") == markup:
            raise _bad("message is not modified: specified new message content and reply markup "
                       "are exactly the same as a current content and reply markup of the message")
        if field is not None:
            stored[field] = value
        if markup:
            stored["reply_markup"] = markup
        else:
            stored.pop("reply_markup", None)
        stored["edit_date"] = int(time.time())
        return {k: v for k, v in stored.items() if not k.startswith("_")}


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


def _reply_to_id(p: JSON) -> int | None:
    params = p.get("reply_parameters")
    if isinstance(params, dict) and params.get("message_id") is not None:
        return int(params["message_id"])
    if p.get("reply_to_message_id") is not None:
        return int(p["reply_to_message_id"])
    return None


def _reply_optional(p: JSON) -> bool:
    params = p.get("reply_parameters")
    return isinstance(params, dict) and bool(params.get("allow_sending_without_reply"))


_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|<|&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)")


def _check_markup(text: str, parse_mode: Any) -> None:
    """Refuse HTML Telegram would refuse: unknown tags, unbalanced tags, a bare '<' or '&'."""
    if not isinstance(parse_mode, str) or parse_mode.upper() != "HTML":
        return
    stack: list[str] = []
    for match in _TAG.finditer(text):
        if match.group(2) is None:
            raise _bad(f"can't parse entities: unexpected character at byte offset {match.start()}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _ALLOWED_TAGS:
            raise _bad(f"can't parse entities: unsupported start tag \"{name}\" "
                       f"at byte offset {match.start()}")
        if closing:
            if not stack or stack.pop() != name:
                raise _bad(f"can't parse entities: unexpected end tag at byte offset {match.start()}")
        else:
            stack.append(name)
    if stack:
        raise _bad(f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\"")

