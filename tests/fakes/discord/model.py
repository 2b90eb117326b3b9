"""Payload builders for the fake Discord: users, guilds, channels, members, messages, interactions."""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

JSON = dict[str, Any]

# how long the fake's waits give something that will happen: only a bound for a stuck test, so a
# busy machine makes a test slower, not red (it was 5 s); a test about speed measures it itself
PATIENCE = 30.0

# where the fake's middleware leaves the parsed request body and uploaded file names
BODY = web.RequestKey("body", object)
FILES = web.RequestKey("files", list)

# permission bits (https://discord.com/developers/docs/topics/permissions)
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
MEMBER_DEFAULT = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_PUBLIC_THREAD = 11

# option types of application commands
OPTION_STRING = 3
OPTION_INTEGER = 4


def now_iso() -> str:
    """Discord's ISO 8601 timestamps."""
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Increasing ids, large like real snowflakes so int/str handling is exercised."""

    def __init__(self, start: int = 1_100_000_000_000_000_000) -> None:
        self._counter = itertools.count(start)

    def next(self) -> int:
        """A fresh id."""
        return next(self._counter)


@dataclass
class FakeUser:
    """A Discord user (or the bot account)."""

    id: int
    username: str
    bot: bool = False

    def payload(self) -> JSON:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeChannel:
    """A text channel, or a thread when `parent_id` is set."""

    id: int
    guild_id: int
    name: str
    parent_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.parent_id is not None

    def payload(self) -> JSON:
        """The channel object."""
        data: JSON = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": 0,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.parent_id is None:
            data.update(type=CHANNEL_TEXT, permission_overwrites=[], parent_id=None, topic=None, last_message_id=None)
        else:
            data.update(
                type=CHANNEL_PUBLIC_THREAD,
                parent_id=str(self.parent_id),
                owner_id="1",
                message_count=0,
                member_count=1,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                },
            )
        return data


@dataclass
class FakeGuild:
    """A server with channels; its @everyone role grants `everyone_permissions`."""

    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    everyone_permissions: int = MEMBER_DEFAULT

    def payload(self, bot: FakeUser) -> JSON:
        """The GUILD_CREATE payload."""
        return {
            "id": str(self.id),
            "name": self.name,
            "owner_id": str(self.owner_id),
            "icon": None,
            "splash": None,
            "features": [],
            "roles": [
                {
                    "id": str(self.id),
                    "name": "@everyone",
                    "permissions": str(self.everyone_permissions),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "channels": [c.payload() for c in self.channels if not c.is_thread],
            "threads": [c.payload() for c in self.channels if c.is_thread],
            "members": [member_payload(bot, 0)],
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "joined_at": now_iso(),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }


def member_payload(user: FakeUser, permissions: int) -> JSON:
    """A guild member; `permissions` as Discord resolves them for an interaction's channel."""
    return {
        "user": user.payload(),
        "roles": [],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "permissions": str(permissions),
    }


def message_payload(
    message_id: int,
    channel_id: int,
    author: FakeUser,
    body: JSON,
    attachments: list[JSON],
    guild_id: int | None = None,
) -> JSON:
    """A message object built from a create/edit request body."""
    data: JSON = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author.payload(),
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


def interaction_token() -> str:
    """An interaction/webhook token."""
    return "itok_" + secrets.token_urlsafe(24)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """discord.py parses a body as JSON only when Content-Type is exactly application/json."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


def error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """A Discord error body."""
    return json_response({"code": code, "message": message}, status, headers)


@dataclass
class StoredMessage:
    """A message the bot posted (channel message or interaction reply)."""

    payload: JSON
    edits: list[JSON] = field(default_factory=list)
