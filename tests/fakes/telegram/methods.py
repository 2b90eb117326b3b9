"""The Bot API methods of the fake: each `api_<name>` answers one method on the world's state."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from tests.fakes.telegram.model import JSON, ChatKind, FakeChat, Membership, MemberStatus
from tests.fakes.telegram.world import (
    ApiError,
    TelegramWorld,
    _bad,
    _scope_key,
    _shallow,
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


class BotApiMethods(TelegramWorld):
    """Telegram's answers to the methods the bot uses; raise ApiError for `ok: false`."""

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
        _checked(text, p.get("parse_mode"), TEXT_LIMIT, "message is too long")
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
            _checked(caption, p.get("parse_mode"), CAPTION_LIMIT, "message caption is too long")
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
        _checked(text, p.get("parse_mode"), TEXT_LIMIT, "MESSAGE_TOO_LONG")
        return self._edit(p, "text", text)

    def api_editMessageCaption(self, p: JSON) -> JSON | bool:
        """editMessageCaption."""
        caption = p.get("caption") or ""
        _checked(caption, p.get("parse_mode"), CAPTION_LIMIT, "message caption is too long")
        return self._edit(p, "caption", caption)

    def api_editMessageReplyMarkup(self, p: JSON) -> JSON | bool:
        """editMessageReplyMarkup."""
        return self._edit(p, None, None)

    def api_deleteMessage(self, p: JSON) -> bool:
        """deleteMessage."""
        chat = self.chat(p.get("chat_id", 0))
        if self.messages.get(chat.id, {}).pop(int(p.get("message_id", 0)), None) is None and self.store_texts:
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

    def api_deleteWebhook(self, p: JSON) -> bool:
        """deleteWebhook; `drop_pending_updates` forgets queued updates as Telegram does."""
        if p.get("drop_pending_updates"):
            self.updates.clear()
        return True

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


_ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a",
                           "code", "pre", "tg-spoiler", "span", "blockquote", "tg-emoji"})
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|<")


def visible_text(text: str, parse_mode: Any) -> str:
    """The text a reader sees; raises ApiError for HTML Telegram refuses (bad or unclosed tags)."""
    if not isinstance(parse_mode, str) or parse_mode.upper() != "HTML":
        return text
    stack: list[str] = []
    for match in _TAG.finditer(text):
        where = len(text[: match.start()].encode())
        if match.group(2) is None:
            raise _bad(f"can't parse entities: unexpected character at byte offset {where}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _ALLOWED_TAGS:
            raise _bad(f'can\'t parse entities: unsupported start tag "{name}" at byte offset {where}')
        if closing:
            if not stack or stack.pop() != name:
                raise _bad(f"can't parse entities: unexpected end tag at byte offset {where}")
        else:
            stack.append(name)
    if stack:
        raise _bad(f'can\'t parse entities: can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return html.unescape(_TAG.sub("", text))


def _checked(text: str, parse_mode: Any, limit: int, too_long: str) -> None:
    """Telegram's limits count the text after entity parsing, not the markup."""
    if len(visible_text(text, parse_mode)) > limit:
        raise _bad(too_long)
