"""Interactions in the fake Discord: tests create slash commands, autocompletes and button presses;
the bot answers through the interaction callback and webhook follow-up endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord.gateway import FakeGateway
from tests.fakes.discord.model import (
    BODY,
    FILES,
    JSON,
    MEMBER_DEFAULT,
    PATIENCE,
    FakeChannel,
    FakeUser,
    Snowflakes,
    StoredMessage,
    error,
    interaction_token,
    json_response,
    member_payload,
    message_payload,
)

if TYPE_CHECKING:
    from tests.fakes.discord.api import FakeDiscord

EPHEMERAL = 1 << 6
# interaction callback types
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8

# FakeDiscord.store_message(channel_id, body, files, guild_id) and .edit_stored(message_id, body, files)
StoreMessage = Callable[[int, JSON, list[str], int | None], Awaitable[JSON]]
EditStored = Callable[[int, JSON, list[str]], Awaitable[JSON | None]]


@dataclass
class Reply:
    """What the user sees as the answer: a message (or autocomplete choices)."""

    message: JSON
    ephemeral: bool
    deferred: bool
    callback_type: int

    @property
    def embeds(self) -> list[JSON]:
        return list(self.message.get("embeds") or [])

    @property
    def text(self) -> str:
        """Content, embed titles, descriptions and fields, for assertions."""
        parts = [self.message.get("content") or ""]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    def buttons(self) -> list[JSON]:
        """Every button in the message's action rows."""
        return [c for row in self.message.get("components") or [] for c in row.get("components", [])]


@dataclass
class InteractionLog:
    """One interaction the fake dispatched and everything the bot answered to it."""

    id: int
    token: str
    payload: JSON
    callbacks: list[JSON] = field(default_factory=list)
    followups: list[JSON] = field(default_factory=list)
    original_id: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def replies(self, fake: FakeDiscord) -> list[Reply]:
        """Every visible answer so far: the original response (once it has content) and follow-ups."""
        out: list[Reply] = []
        if not self.callbacks:
            return out
        first = self.callbacks[0]
        kind = first["type"]
        data = first.get("data") or {}
        if kind == AUTOCOMPLETE_RESULT:
            return [Reply({"choices": data.get("choices", [])}, True, False, kind)]
        if self.original_id is not None and self.original_id in fake.messages:
            original = fake.messages[self.original_id].payload
            deferred = kind in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)
            # a deferred reply shows only once the bot edits the "thinking…" placeholder
            if not deferred or fake.messages[self.original_id].edits:
                out.append(Reply(original, bool(original["flags"] & EPHEMERAL), deferred, kind))
        for message in self.followups:
            out.append(Reply(message, bool(message["flags"] & EPHEMERAL), True, kind))
        return out

    async def reply(self, fake: FakeDiscord, timeout: float = PATIENCE) -> Reply:
        """Wait for the first visible answer."""
        return (await self.wait_replies(fake, 1, timeout))[0]

    async def wait_replies(self, fake: FakeDiscord, count: int, timeout: float = PATIENCE) -> list[Reply]:
        """Wait for `count` visible answers."""
        async with asyncio.timeout(timeout):
            while len(self.replies(fake)) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.replies(fake)


class Interactions:
    """Members' interactions with the bot: tests create them; discord.py answers through the endpoints here."""

    def __init__(
        self,
        *,
        ids: Snowflakes,
        app_id: int,
        commands: dict[str, list[JSON]],
        gateway: FakeGateway,
        messages: dict[int, StoredMessage],
        reply_ids: set[int],
        store_message: StoreMessage,
        edit_stored: EditStored,
    ) -> None:
        self._ids = ids
        self._app_id = app_id
        # the commands the bot synced, by scope ("global" or a guild id), shared with the fake
        self._commands = commands
        self._gateway = gateway
        self._messages = messages
        # interaction replies live in `messages` too but are not channel posts
        self._reply_ids = reply_ids
        self._store_message = store_message
        self._edit_stored = edit_stored
        self.logs: dict[int, InteractionLog] = {}
        self._by_token: dict[str, InteractionLog] = {}

    # --- building interactions ---------------------------------------------
    def _command(self, name: str, guild_id: int | None) -> JSON:
        for scope in ([str(guild_id)] if guild_id else []) + ["global"]:
            for command in self._commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} was never synced to this guild or globally")

    def _base(self, kind: int, data: JSON, channel: FakeChannel, user: FakeUser, permissions: int, locale: str) -> JSON:
        if not channel.guild_id:
            return self._dm_base(kind, data, channel, user, locale)
        return {
            "id": str(self._ids.next()),
            "application_id": str(self._app_id),
            "type": kind,
            "data": data,
            "guild_id": str(channel.guild_id),
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "member": member_payload(user, permissions),
            "token": interaction_token(),
            "version": 1,
            "app_permissions": str(MEMBER_DEFAULT),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(channel.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _dm_base(self, kind: int, data: JSON, channel: FakeChannel, user: FakeUser, locale: str) -> JSON:
        # in a direct message there is no guild and no member: the user is given as such
        return {
            "id": str(self._ids.next()),
            "application_id": str(self._app_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel.id),
            "channel": {"id": str(channel.id), "type": 1, "recipients": [user.payload()]},
            "user": user.payload(),
            "token": interaction_token(),
            "version": 1,
            "app_permissions": str(MEMBER_DEFAULT),
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(user.id)},
            "context": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    async def _dispatch(self, payload: JSON) -> InteractionLog:
        log = InteractionLog(int(payload["id"]), payload["token"], payload)
        self.logs[log.id] = log
        self._by_token[log.token] = log
        await self._gateway.dispatch("INTERACTION_CREATE", payload)
        return log

    def _options(self, command: JSON, options: dict[str, Any], focused: str | None = None) -> list[JSON]:
        types = {o["name"]: o["type"] for o in command.get("options") or []}
        out = []
        for name, value in options.items():
            if name not in types:
                raise AssertionError(f"/{command['name']} has no option {name!r}")
            option: JSON = {"name": name, "type": types[name], "value": value}
            if name == focused:
                option["focused"] = True
            out.append(option)
        return out

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel: FakeChannel,
        user: FakeUser,
        permissions: int = MEMBER_DEFAULT,
        locale: str = "en-US",
    ) -> InteractionLog:
        """A member runs a slash command in a channel (permissions as resolved there)."""
        command = self._command(name, channel.guild_id)
        data: JSON = {"id": command["id"], "name": name, "type": 1, "options": self._options(command, options or {})}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch(self._base(2, data, channel, user, permissions, locale))

    async def message_command(
        self,
        name: str,
        content: str,
        *,
        channel: FakeChannel,
        user: FakeUser,
        author: FakeUser | None = None,
        permissions: int = MEMBER_DEFAULT,
    ) -> InteractionLog:
        """A member runs the message command `name` (right-click → Apps) on a message of `author` holding `content`."""
        command = self._command(name, channel.guild_id)
        target = message_payload(self._ids.next(), channel.id, author or user, {"content": content}, [], channel.guild_id)
        data: JSON = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch(self._base(2, data, channel, user, permissions, "en-US"))

    async def autocomplete(
        self, name: str, option: str, typed: str, *, channel: FakeChannel, user: FakeUser, locale: str = "en-US"
    ) -> InteractionLog:
        """A member types into an option with autocomplete."""
        command = self._command(name, channel.guild_id)
        data: JSON = {"id": command["id"], "name": name, "type": 1, "options": self._options(command, {option: typed}, option)}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch(self._base(4, data, channel, user, MEMBER_DEFAULT, locale))

    async def press(
        self, message: JSON, label: str, *, channel: FakeChannel, user: FakeUser, permissions: int = MEMBER_DEFAULT
    ) -> InteractionLog:
        """A member presses the button labelled `label` on a message."""
        buttons = [c for row in message.get("components") or [] for c in row.get("components", [])]
        button = next((b for b in buttons if b.get("label") == label), None)
        if button is None:
            raise AssertionError(f"no button {label!r} in {[b.get('label') for b in buttons]}")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        payload = self._base(3, data, channel, user, permissions, "en-US")
        payload["message"] = message
        return await self._dispatch(payload)

    # --- endpoints ------------------------------------------------------------
    async def callback(self, request: web.Request) -> web.Response:
        log = self.logs.get(int(request.match_info["interaction"]))
        if log is None or log.token != request.match_info["token"]:
            return error(404, 10062, "Unknown interaction")
        if log.callbacks:
            return error(400, 40060, "Interaction has already been acknowledged.")
        body: JSON = request[BODY] or {}
        log.callbacks.append(body)
        kind = body["type"]
        data = body.get("data") or {}
        channel_id = int(log.payload["channel_id"])
        result: JSON = {"interaction": {"id": str(log.id), "type": log.payload["type"]}}
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            message = await self._store_message(channel_id, data, request[FILES], None)
            self._reply_ids.add(int(message["id"]))
            log.original_id = int(message["id"])
            result["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == DEFERRED_CHANNEL_MESSAGE,
                response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
            )
            if kind == CHANNEL_MESSAGE:
                result["resource"] = {"type": kind, "message": message}
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            log.original_id = int(log.payload["message"]["id"])
            if kind == UPDATE_MESSAGE:
                message = await self._edit_stored(log.original_id, data, request[FILES])
                if message is not None:
                    result["resource"] = {"type": kind, "message": message}
        log.changed.set()
        return json_response(result)

    def _log_for(self, request: web.Request) -> InteractionLog | None:
        log = self._by_token.get(request.match_info["token"])
        if log is None or request.match_info["app"] != str(self._app_id) or not log.callbacks:
            return None
        return log

    def _message_id(self, log: InteractionLog, raw: str) -> int | None:
        return log.original_id if raw == "@original" else int(raw)

    async def followup(self, request: web.Request) -> web.Response:
        log = self._log_for(request)
        if log is None:
            return error(404, 10015, "Unknown Webhook")
        body: JSON = request[BODY] or {}
        first = log.callbacks[0]["type"]
        original = self._messages.get(log.original_id) if log.original_id is not None else None
        if first == DEFERRED_CHANNEL_MESSAGE and original is not None and not original.edits and not log.followups:
            # Discord: the first follow-up after a deferral replaces the "thinking…" placeholder
            body = {k: v for k, v in body.items() if k != "flags"}
            message = await self._edit_stored(int(original.payload["id"]), body, request[FILES])
            assert message is not None
        else:
            message = await self._store_message(int(log.payload["channel_id"]), body, request[FILES], None)
            self._reply_ids.add(int(message["id"]))
            log.followups.append(message)
        log.changed.set()
        return json_response(message)

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        log = self._log_for(request)
        mid = self._message_id(log, request.match_info["message"]) if log else None
        if mid is None or mid not in self._messages:
            return error(404, 10008, "Unknown Message")
        return json_response(self._messages[mid].payload)

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        log = self._log_for(request)
        mid = self._message_id(log, request.match_info["message"]) if log else None
        payload = await self._edit_stored(mid, request[BODY] or {}, request[FILES]) if mid else None
        if log is None or payload is None:
            return error(404, 10008, "Unknown Message")
        log.changed.set()
        return json_response(payload)

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        log = self._log_for(request)
        mid = self._message_id(log, request.match_info["message"]) if log else None
        if log is None or mid is None or self._messages.pop(mid, None) is None:
            return error(404, 10008, "Unknown Message")
        if mid == log.original_id:
            log.original_id = None
        log.changed.set()
        return web.Response(status=204)
