"""A fake Discord (REST v10 + JSON gateway) on 127.0.0.1 for the unmodified discord.py client.

Records every request; tests inject faults (403/404 with Discord codes, 429 with
retry_after and a `Via` header, 5xx) and drive interactions through
`FakeDiscord.interactions` (tests.fakes.discord.interact).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.discord.faults import Faults
from tests.fakes.discord.gateway import FakeGateway
from tests.fakes.discord.interact import Interactions
from tests.fakes.discord.model import (
    BODY,
    FILES,
    JSON,
    PATIENCE,
    FakeChannel,
    FakeGuild,
    FakeUser,
    Snowflakes,
    StoredMessage,
    error,
    json_response,
    message_payload,
)

BOT_TOKEN = "fake-discord-bot-token"


@dataclass
class Recorded:
    """One REST request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[str]
    at: float
    # the uploaded files' bytes, in the order of `files`
    uploads: list[bytes] = field(default_factory=list)


class FakeDiscord:
    """The whole fake: start with `async with`, point discord.py at `api_url`."""

    def __init__(self) -> None:
        self.ids = Snowflakes()
        self.app_id = self.ids.next()
        self.bot = FakeUser(self.app_id, "strikebot", bot=True)
        self.owner = FakeUser(self.ids.next(), "owner")
        self.guilds: list[FakeGuild] = []
        self.requests: list[Recorded] = []
        self.commands: dict[str, list[JSON]] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.port = 0
        self.gateway = FakeGateway(self.bot, self.app_id, lambda: self.guilds, lambda: self.ws_url)
        self._runner: web.AppRunner | None = None
        self._message_event = asyncio.Condition()
        # interaction replies live in `messages` too but are not channel posts
        self.reply_ids: set[int] = set()
        # direct-message channels the bot opened, by the user's id
        self.dms: dict[int, FakeChannel] = {}
        self.errors: list[str] = []
        self.faults = Faults()
        self.interactions = Interactions(
            ids=self.ids,
            app_id=self.app_id,
            commands=self.commands,
            gateway=self.gateway,
            messages=self.messages,
            reply_ids=self.reply_ids,
            store_message=self.store_message,
            edit_stored=self.edit_stored,
        )

    # --- world ------------------------------------------------------------
    def add_guild(self, name: str = "Test server", channels: tuple[str, ...] = ("alerts",)) -> FakeGuild:
        """A guild with text channels (must be added before the client connects)."""
        guild = FakeGuild(self.ids.next(), name, self.owner.id)
        for channel_name in channels:
            guild.channels.append(FakeChannel(self.ids.next(), guild.id, channel_name))
        self.guilds.append(guild)
        return guild

    def add_thread(self, parent: FakeChannel, name: str = "thread") -> FakeChannel:
        """A public thread under a text channel."""
        thread = FakeChannel(self.ids.next(), parent.guild_id, name, parent_id=parent.id)
        self.guild_of(parent.id).channels.append(thread)
        return thread

    def channel(self, channel_id: int) -> FakeChannel | None:
        """A known channel, thread or direct-message channel."""
        for dm in self.dms.values():
            if dm.id == channel_id:
                return dm
        for guild in self.guilds:
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel
        return None

    def guild_of(self, channel_id: int) -> FakeGuild:
        """The guild a channel belongs to."""
        for guild in self.guilds:
            if any(c.id == channel_id for c in guild.channels):
                return guild
        raise KeyError(channel_id)

    def remove_channel(self, channel_id: int) -> None:
        """Delete a channel: later requests to it get 404 Unknown Channel."""
        for guild in self.guilds:
            guild.channels = [c for c in guild.channels if c.id != channel_id]

    # --- server -----------------------------------------------------------
    @property
    def api_url(self) -> str:
        """What STRIKEBOT_DISCORD_API_URL should be."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def ws_url(self) -> str:
        """The gateway address announced by GET /gateway/bot."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self.gateway.handler)
        api = "/api/v10"
        routes = [
            ("GET", "/gateway/bot", self._gateway_bot),
            ("GET", "/users/@me", self._me),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/oauth2/applications/@me", self._application),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_message),
            ("POST", "/interactions/{interaction}/{token}/callback", self.interactions.callback),
            ("POST", "/webhooks/{app}/{token}", self.interactions.followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self.interactions.get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self.interactions.edit_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self.interactions.delete_webhook_message),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, api + path, handler)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.errors and exc[0] is None:
            raise AssertionError(f"the fake Discord failed: {self.errors}")

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body, files, uploads = await _read_body(request)
        path = request.path.removeprefix("/api/v10")
        self.requests.append(Recorded(request.method, path, dict(request.query), body, files, time.monotonic(), uploads))
        request[BODY] = body
        request[FILES] = files
        unauthenticated = request.path.startswith(("/api/v10/webhooks", "/api/v10/interactions"))
        if not unauthenticated and request.headers.get("Authorization") != f"Bot {BOT_TOKEN}":
            return error(401, 0, "401: Unauthorized")
        try:
            answer = await self.faults.answer(request.method, path, request, handler)
            return answer if answer is not None else await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:
            # a bug in the fake must fail the test, not look like a Discord outage
            self.errors.append(f"{request.method} {path}: {exc!r}")
            raise

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        """Recorded requests whose path matches the regex."""
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method and rx.search(r.path)]

    # --- REST -------------------------------------------------------------
    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.ws_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            }
        )

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.bot.payload())

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.app_id),
                "name": "strikebot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild", "global")
        out = []
        for command in request[BODY]:
            registered = {
                # Discord answers an empty description for message and user commands
                "description": "",
                **command,
                "id": str(self.ids.next()),
                "application_id": str(self.app_id),
                "version": str(self.ids.next()),
                "default_member_permissions": command.get("default_member_permissions"),
            }
            if scope != "global":
                registered["guild_id"] = scope
            out.append(registered)
        self.commands[scope] = out
        return json_response(out)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(int(request.match_info["channel"]))
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        return json_response(channel.payload())

    def _attachments(self, files: list[str]) -> list[JSON]:
        return [
            {"id": str(self.ids.next()), "filename": name, "size": 1, "url": f"https://cdn.invalid/{name}", "proxy_url": f"https://cdn.invalid/{name}"}
            for name in files
        ]

    async def store_message(self, channel_id: int, body: JSON, files: list[str], guild_id: int | None) -> JSON:
        """Keep a posted message and wake waiters."""
        payload = message_payload(self.ids.next(), channel_id, self.bot, body, self._attachments(files), guild_id)
        self.messages[int(payload["id"])] = StoredMessage(payload)
        async with self._message_event:
            self._message_event.notify_all()
        return payload

    async def edit_stored(self, message_id: int, body: JSON, files: list[str]) -> JSON | None:
        """Apply an edit to a stored message (None when unknown)."""
        stored = self.messages.get(message_id)
        if stored is None:
            return None
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                stored.payload[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            stored.payload["attachments"] = self._attachments(files)
        stored.payload["edited_timestamp"] = stored.payload["timestamp"]
        stored.edits.append(body)
        async with self._message_event:
            self._message_event.notify_all()
        return stored.payload

    async def _open_dm(self, request: web.Request) -> web.Response:
        # POST /users/@me/channels {"recipient_id"}: the same DM channel every time for one user
        recipient = int((request[BODY] or {}).get("recipient_id", 0))
        dm = self.dms.setdefault(recipient, FakeChannel(self.ids.next(), 0, f"dm-{recipient}"))
        user = FakeUser(recipient, f"user{recipient}")
        return json_response({"id": str(dm.id), "type": 1, "last_message_id": None, "recipients": [user.payload()]})

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self.channel(int(request.match_info["channel"]))
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        guild_id = channel.guild_id or None  # a DM channel belongs to no guild
        payload = await self.store_message(channel.id, request[BODY] or {}, request[FILES], guild_id)
        return json_response(payload)

    async def _edit_message(self, request: web.Request) -> web.Response:
        if self.channel(int(request.match_info["channel"])) is None:
            return error(404, 10003, "Unknown Channel")
        payload = await self.edit_stored(int(request.match_info["message"]), request[BODY] or {}, request[FILES])
        if payload is None:
            return error(404, 10008, "Unknown Message")
        return json_response(payload)

    def channel_messages(self, channel_id: int) -> list[StoredMessage]:
        """Messages posted to one channel, oldest first."""
        return [
            m
            for mid, m in self.messages.items()
            if m.payload["channel_id"] == str(channel_id) and mid not in self.reply_ids
        ]

    async def wait_for_messages(self, channel_id: int, count: int, timeout: float = PATIENCE) -> list[StoredMessage]:
        """Wait until a channel holds `count` messages."""
        async with asyncio.timeout(timeout):
            async with self._message_event:
                await self._message_event.wait_for(lambda: len(self.channel_messages(channel_id)) >= count)
        return self.channel_messages(channel_id)


async def _read_body(request: web.Request) -> tuple[Any, list[str], list[bytes]]:
    if not request.can_read_body:
        return None, [], []
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[str] = []
        uploads: list[bytes] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                body = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                files.append(part.filename or "file")  # type: ignore[union-attr]
                uploads.append(bytes(await part.read()))  # type: ignore[union-attr]
        return body, files, uploads
    raw = await request.read()
    return (json.loads(raw) if raw else None), [], []
