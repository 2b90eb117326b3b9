"""Test harness: a fake Discord with one guild, a store, and a DiscordTransport connected to both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.transports.discord.transport import DiscordTransport
from handlers.context import HandlerDeps
from storage.factory import open_store
from storage.protocol import Store
from tests.fakes.discord.api import BOT_TOKEN, FakeDiscord
from tests.fakes.discord.interact import Reply
from tests.fakes.discord.model import PATIENCE, FakeChannel, FakeGuild, FakeUser


@dataclass
class DiscordWorld:
    """Everything a Discord transport test touches."""

    fake: FakeDiscord
    transport: DiscordTransport
    store: Store
    deps: HandlerDeps
    guild: FakeGuild
    channel: FakeChannel
    thread: FakeChannel
    admin: FakeUser
    member: FakeUser


@asynccontextmanager
async def discord_world(tmp_path: Path, **transport_kw: Any) -> AsyncIterator[DiscordWorld]:
    """Start the fake, open a store, connect the transport and wait until it is ready."""
    async with FakeDiscord() as fake:
        guild = fake.add_guild(channels=("alerts", "general"))
        channel = guild.channels[0]
        thread = fake.add_thread(channel, "night-reports")
        admin = FakeUser(fake.ids.next(), "bot-admin")
        member = FakeUser(fake.ids.next(), "member")
        async with open_store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
            deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
            kw: dict[str, Any] = {
                "api_url": fake.api_url,
                "admins": [f"discord:{admin.id}"],
                "guild_ready_timeout": 0.05,
                **transport_kw,
            }
            async with DiscordTransport(BOT_TOKEN, deps, **kw) as transport:
                async with asyncio.timeout(PATIENCE):
                    await transport.ready.wait()
                yield DiscordWorld(fake, transport, store, deps, guild, channel, thread, admin, member)


async def run_slash(w: DiscordWorld, name: str, options: dict[str, Any] | None = None, **kw: Any) -> Reply:
    """Run a slash command (by default a member in the alerts channel) and return its first visible reply."""
    kw.setdefault("channel", w.channel)
    kw.setdefault("user", w.member)
    log = await w.fake.interactions.slash(name, options, **kw)
    return await log.reply(w.fake)
