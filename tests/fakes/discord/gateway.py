"""The fake Discord gateway: a JSON websocket speaking HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, dispatch."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.model import JSON, FakeGuild, FakeUser

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11
HEARTBEAT_INTERVAL_MS = 41_250


class FakeGateway:
    """Accepts discord.py's gateway connection and lets tests push events to it."""

    def __init__(self, bot: FakeUser, app_id: int, guilds: Callable[[], list[FakeGuild]], ws_url: Callable[[], str]) -> None:
        self._bot = bot
        self._app_id = app_id
        self._guilds = guilds
        self._ws_url = ws_url
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self.identify: JSON | None = None
        self.heartbeats = 0
        self.identified = asyncio.Event()

    async def _send(self, ws: web.WebSocketResponse, op: int, data: Any, event: str | None = None) -> None:
        frame: JSON = {"op": op, "d": data, "s": None, "t": event}
        if op == OP_DISPATCH:
            self._seq += 1
            frame["s"] = self._seq
        await ws.send_str(json.dumps(frame))

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        """One gateway session."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        try:
            await self._send(ws, OP_HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                await self._on_frame(ws, frame)
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: JSON) -> None:
        op = frame.get("op")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            await self._send(ws, OP_HEARTBEAT_ACK, None)
        elif op in (OP_IDENTIFY, OP_RESUME):
            self.identify = frame["d"]
            await self._ready(ws)
            self.identified.set()

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        guilds = self._guilds()
        await self._send(
            ws,
            OP_DISPATCH,
            {
                "v": 10,
                "user": self._bot.payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": secrets.token_hex(16),
                "resume_gateway_url": self._ws_url(),
                "shard": [0, 1],
                "application": {"id": str(self._app_id), "flags": 0},
            },
            "READY",
        )
        for guild in guilds:
            await self._send(ws, OP_DISPATCH, guild.payload(self._bot), "GUILD_CREATE")

    @property
    def sessions(self) -> int:
        """Gateway sessions connected now."""
        return len(self._sockets)

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send one event to every connected session."""
        if not self._sockets:
            raise AssertionError("no gateway session is connected")
        for ws in list(self._sockets):
            await self._send(ws, OP_DISPATCH, data, event)

    async def close(self) -> None:
        """Close every session (server shutdown)."""
        for ws in list(self._sockets):
            await ws.close()
