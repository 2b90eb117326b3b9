"""Discord faults against the fake Discord: every reachable channel exactly once, nothing dropped, the unreachable switched off.

Two dispatchers are two Dispatcher instances, each with its own discord.py
client and its own store on one database (see tests/bot/test_delivery_leases.py
for why that stands for two processes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.discord.transport import DiscordTransport
from handlers.context import HandlerDeps
from storage.protocol import Store
from tests.bot.delivery.support import draft
from tests.bot.shared_database import BACKENDS, shared_database
from tests.fakes.discord.api import BOT_TOKEN, FakeDiscord
from tests.fakes.discord.model import PATIENCE, FakeChannel

SEND_TIMEOUT = 3.0
CONFIG = DispatcherConfig(
    batch_size=500, concurrency=8, lease_seconds=30, max_attempts=4, base_backoff=0.05,
    poll_interval=0.05, rates={"discord": 40.0}, timezone=ZoneInfo("Europe/Kyiv"),
)


@asynccontextmanager
async def discord_clients(fake: FakeDiscord, stores: list[Store], **kw: object) -> AsyncIterator[list[DiscordTransport]]:
    """One connected DiscordTransport per store, as each process would have its own."""
    async with AsyncExitStack() as stack:
        transports = []
        for store in stores:
            deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
            transport = DiscordTransport(BOT_TOKEN, deps, api_url=fake.api_url, guild_ready_timeout=0.05, **kw)  # type: ignore[arg-type]
            await stack.enter_async_context(transport)
            async with asyncio.timeout(PATIENCE):
                await transport.ready.wait()
            transports.append(transport)
        yield transports


def posts(fake: FakeDiscord, channels: list[FakeChannel]) -> dict[int, int]:
    """Messages each channel holds."""
    return {c.id: len(fake.channel_messages(c.id)) for c in channels}


async def run_until(dispatchers: list[Dispatcher], done: object, timeout: float, settle: float) -> None:
    """Run the dispatchers until `done()` holds, then `settle` seconds more."""
    tasks = [asyncio.create_task(d.run()) for d in dispatchers]
    try:
        deadline = time.monotonic() + timeout
        while not done():  # type: ignore[operator]
            assert time.monotonic() < deadline, "delivery did not finish"
            await asyncio.sleep(0.05)
        await asyncio.sleep(settle)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_dispatchers_on_a_slow_discord_post_to_every_channel_once(backend: str, tmp_path: Path) -> None:
    config = DispatcherConfig(**{**CONFIG.__dict__, "lease_seconds": 2.0})
    async with FakeDiscord() as fake, shared_database(backend, tmp_path) as db, db.stores(2) as stores:
        channels = fake.add_guild(channels=tuple(f"alerts-{i}" for i in range(24))).channels
        async with discord_clients(fake, stores) as transports:
            for channel in channels:
                await stores[0].subscribe("discord", str(channel.id))
            await stores[0].ingest(draft(), notify=True)
            # Discord answers every post after 2.5 s, longer than the lease
            fake.faults.slow("POST", r"^/channels/\d+/messages$", 2.5)
            dispatchers = [
                Dispatcher(s, {"discord": t}, Renderers.from_handlers(), config) for s, t in zip(stores, transports, strict=True)
            ]
            await run_until(dispatchers, lambda: all(posts(fake, channels).values()), timeout=60, settle=3.0)
            stats = await stores[0].queue_stats(now=datetime.now(UTC))
    twice = [cid for cid, n in posts(fake, channels).items() if n > 1]
    assert not twice, f"{len(twice)} channels got the alert more than once"
    assert stats.pending == 0


async def test_rate_limits_errors_timeouts_and_lost_channels(tmp_path: Path) -> None:
    async with FakeDiscord() as fake, shared_database("sqlite", tmp_path) as db, db.stores(1) as (store,):
        guild = fake.add_guild(
            channels=("plain", "route-429", "global-429", "server-error", "timeout", "no-permission", "deleted", "also-plain")
        )
        plain, route, global_, server, slow, forbidden, deleted, plain2 = guild.channels
        # a send that times out is tried again and may land twice: only the held one below may time out,
        # however busy the machine (discord.py's own wait for the route's 429 is inside this bound too)
        async with discord_clients(fake, [store], send_timeout=SEND_TIMEOUT) as (transport,):
            for channel in guild.channels:
                await store.subscribe("discord", str(channel.id))
            await store.ingest(draft(), notify=True)

            def messages_of(channel: FakeChannel) -> str:
                return rf"^/channels/{channel.id}/messages$"

            # a route's bucket is empty: discord.py waits the short retry_after itself
            fake.faults.fail("POST", messages_of(route), 429, retry_after=0.3)
            # a 429 without Via (Cloudflare) holds every request: the dispatcher pauses all of Discord
            fake.faults.fail("POST", messages_of(global_), 429, retry_after=0.5, is_global=True, via=False)
            # 503 is not among the statuses discord.py retries: the dispatcher backs off and tries again
            fake.faults.fail("POST", messages_of(server), 503, message="Service Unavailable", times=2)
            # answered after the client stopped waiting, and not carried out
            fake.faults.slow("POST", messages_of(slow), SEND_TIMEOUT + 1.0, deliver=False, times=1)
            fake.faults.fail("POST", messages_of(forbidden), 403, code=50013, message="Missing Permissions")
            fake.remove_channel(deleted.id)

            reachable = [plain, route, global_, server, slow, plain2]
            d = Dispatcher(store, {"discord": transport}, Renderers.from_handlers(), CONFIG)
            await run_until([d], lambda: all(posts(fake, reachable).values()), timeout=60, settle=0.5)
            stats = await store.queue_stats(now=datetime.now(UTC))
            active = {s.chat_id for s in await store.list_subscriptions(platform="discord")}

    assert posts(fake, reachable) == {c.id: 1 for c in reachable}
    assert active == {str(c.id) for c in reachable}, "the unreachable channels are switched off"
    assert stats.pending == 0 and stats.dead == 0, stats
    assert len(fake.calls("POST", messages_of(forbidden))) == 1, "no second try at a channel without permission"
