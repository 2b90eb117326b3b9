"""`strikebot run` with Telegram and Discord together: one ingest, an alert on each platform."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.app import running
from bot.settings import Settings
from tests.bot.api.harness import AUTH, TOKEN, summary
from tests.fakes.discord.api import BOT_TOKEN, FakeDiscord
from tests.fakes.telegram.api import FakeBotAPI


async def test_both_platforms_in_one_process(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    async with FakeDiscord() as discord_fake:
        guild = discord_fake.add_guild(channels=("alerts",))
        channel = guild.channels[0]
        group = fake_telegram.group("Alerts")
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{tmp_path / 'both.db'}",
            telegram_token=fake_telegram.token,
            telegram_api_url=fake_telegram.root,
            discord_token=BOT_TOKEN,
            discord_api_url=discord_fake.api_url,
            api_host="127.0.0.1",
            api_port=0,
            api_token=TOKEN,
            seed="none",
        )
        async with running(settings) as (runtime, _), aiohttp.ClientSession() as http:
            assert set(runtime.transports) == {"telegram", "discord"}
            async with asyncio.timeout(10):
                await runtime.transports["discord"].ready.wait()  # type: ignore[attr-defined]
            await runtime.store.subscribe("telegram", str(group.id))
            await runtime.store.subscribe("discord", str(channel.id))
            resp = await http.post(f"http://127.0.0.1:{runtime.api_port}/v1/summaries", json=summary(), headers=AUTH)
            assert resp.status == 201
            [alert] = await fake_telegram.wait_sent(1, chat_id=group, timeout=10)
            assert "550" in (alert.text or "")
            for _ in range(500):
                if discord_fake.channel_messages(channel.id):
                    break
                await asyncio.sleep(0.02)
            [posted] = discord_fake.channel_messages(channel.id)
            assert "550" in str(posted.payload["embeds"][0])
