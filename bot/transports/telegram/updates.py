"""Reading Telegram updates: command text, chat kind, sender; pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Chat, MaybeInaccessibleMessage, MessageOriginChannel
from telegram import Message as TgMessage

from handlers.context import ChatKind, Identity, Quoted, ReportOrigin

PLATFORM = "telegram"
# `/cmd`, `/cmd@SomeBot`, then arguments after any whitespace (newlines included)
_COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.S)


@dataclass(frozen=True)
class ParsedCommand:
    """A command as typed: lower-cased name, argument text, whether it named this bot."""

    name: str
    args: str
    addressed: bool


def parse_command(text: str | None, bot_username: str | None) -> ParsedCommand | None:
    """`/cmd@Bot args` → ParsedCommand; None for plain text or a command for another bot."""
    if not text:
        return None
    match = _COMMAND_RE.match(text.strip())
    if match is None:
        return None
    name, target, args = match.group(1), match.group(2), match.group(3) or ""
    if target is not None and (bot_username is None or target.lower() != bot_username.lower()):
        return None
    return ParsedCommand(name.lower(), args.strip(), addressed=target is not None)


def chat_kind(chat: Chat, message: TgMessage | MaybeInaccessibleMessage | None) -> ChatKind:
    """The neutral chat kind; a message in a forum topic makes it FORUM_TOPIC."""
    if chat.type == Chat.PRIVATE:
        return ChatKind.PRIVATE
    if chat.type == Chat.GROUP:
        return ChatKind.GROUP
    if chat.type == Chat.CHANNEL:
        return ChatKind.CHANNEL
    if thread_id(message) is not None:
        return ChatKind.FORUM_TOPIC
    return ChatKind.SUPERGROUP


def thread_id(message: TgMessage | MaybeInaccessibleMessage | None) -> str | None:
    """The forum topic of a message, if any.

    Outside forums a reply carries `message_thread_id` too (the reply thread),
    so only a topic message counts; replies there must not open a "topic".
    """
    if not isinstance(message, TgMessage):
        return None
    if message.is_topic_message and message.message_thread_id is not None:
        return str(message.message_thread_id)
    return None


def sender(message: TgMessage) -> tuple[Identity | None, bool]:
    """Who sent it, and whether that sender speaks for the chat itself.

    A channel post comes from the channel, and an anonymous group admin posts
    as the group: in both cases the sender is the chat, i.e. an admin of it.
    """
    chat = message.chat
    sender_chat = message.sender_chat
    if sender_chat is not None and sender_chat.id == chat.id:
        name = chat.title or chat.username or str(chat.id)
        return Identity(PLATFORM, str(chat.id), name), True
    user = message.from_user
    if user is None:
        return None, False
    return Identity(PLATFORM, str(user.id), user.full_name), False


def is_uk(language_code: str | None) -> bool:
    """Whether a Telegram client language means Ukrainian."""
    return bool(language_code) and language_code.lower().split("-")[0] == "uk"  # type: ignore[union-attr]


def quoted(message: TgMessage) -> Quoted | None:
    """The message a command replies to: its text or caption, and a public channel's post it was forwarded from."""
    replied = message.reply_to_message
    if replied is None:
        return None
    text = replied.text or replied.caption
    if not text:
        return None
    return Quoted(text, forward_origin(replied))


def forward_origin(message: TgMessage) -> ReportOrigin | None:
    """`t.me/<channel>/<id>` for a post forwarded from a public channel; None for anything else."""
    origin = message.forward_origin
    if not isinstance(origin, MessageOriginChannel) or not origin.chat.username:
        # a private channel's posts have no public link to key them by
        return None
    path = f"t.me/{origin.chat.username}/{origin.message_id}"
    return ReportOrigin(external_id=path, url=f"https://{path}", published=origin.date)
