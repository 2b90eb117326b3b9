"""Only the leader keeps a Discord gateway session; a follower still sends through REST."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.transports.base import Outcome, Target
from bot.transports.discord.transport import DiscordTransport
from handlers.context import HandlerDeps, Message
from storage.factory import open_store
from tests.fakes.discord.api import BOT_TOKEN, FakeDiscord
from tests.fakes.discord.model import PATIENCE


async def _sessions(fake: FakeDiscord, count: int) -> None:
    async with asyncio.timeout(PATIENCE):
        while fake.gateway.sessions != count:
            await asyncio.sleep(0.02)


async def test_follower_sends_through_rest_and_connects_when_it_leads(tmp_path: Path) -> None:
    async with FakeDiscord() as fake, open_store(f"sqlite:///{tmp_path / 'bot.db'}") as store:
        channel = fake.add_guild(channels=("alerts",)).channels[0]
        deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
        transport = DiscordTransport(
            BOT_TOKEN, deps, api_url=fake.api_url, guild_ready_timeout=0.05, gateway_at_start=False
        )
        async with transport:
            await asyncio.sleep(0.3)
            assert fake.gateway.sessions == 0 and not transport.ready.is_set()
            sent = await transport.send(Target(str(channel.id)), transport.render(Message(title="as follower")))
            assert sent.outcome == Outcome.OK
            transport.start_gateway()
            await asyncio.wait_for(transport.ready.wait(), PATIENCE)
            await _sessions(fake, 1)
            transport.start_gateway()  # already connected: no second session
            await asyncio.sleep(0.2)
            assert fake.gateway.sessions == 1
            await transport.stop_gateway()
            await _sessions(fake, 0)
            again = await transport.send(Target(str(channel.id)), transport.render(Message(title="follower again")))
            assert again.outcome == Outcome.OK
