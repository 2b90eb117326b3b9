"""/top and /format on Discord: registered with their choices, answered from the store; compact alerts posted."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from handlers.ingest import ingest_summary
from tests.bot.delivery.support import drain
from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.harness import run_slash as run
from tests.fakes.discord.model import MANAGE_CHANNELS, MEMBER_DEFAULT

MANAGER = MEMBER_DEFAULT | MANAGE_CHANNELS
CONFIG = DispatcherConfig(
    batch_size=50, concurrency=4, poll_interval=0.05, rates={"discord": 40.0}, timezone=ZoneInfo("Europe/Kyiv")
)

NIGHT = {
    "external_id": "kpszsu/night-1",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "regions": ["Odesa"],
    "weapons": [{"model": "Shahed-136/131", "launched": 120, "destroyed": 50, "suppressed": 20}],
}



async def test_top_slash_command(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        registered = {c["name"]: c for c in w.fake.commands["global"]}
        window, region = registered["top"]["options"]
        assert window["name"] == "window" and [c["value"] for c in window["choices"]] == ["7d", "30d", "90d", "365d", "all"]
        assert region["name"] == "region" and region.get("autocomplete")
        first = (await ingest_summary(w.store, NIGHT, notify=False)).id
        bigger = (await ingest_summary(w.store, NIGHT | {"external_id": "kpszsu/night-2", "weapons": [
            {"model": "Shahed-136/131", "launched": 300, "destroyed": 250}]}, notify=False)).id
        log = await w.fake.interactions.slash("top", {"window": "all", "region": "Odesa oblast"}, channel=w.channel, user=w.member)
        reply = await log.reply(w.fake)
        assert "Largest attacks: all time · Odesa oblast" in reply.text
        assert reply.text.index(f"#{bigger}") < reply.text.index(f"#{first}")
        log = await w.fake.interactions.autocomplete("top", "region", "ode", channel=w.channel, user=w.member)
        choices = (await log.reply(w.fake)).message["choices"]
        assert any("Odesa" in c["name"] for c in choices)


async def test_format_slash_command_and_a_compact_alert(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        registered = {c["name"]: c for c in w.fake.commands["global"]}
        [option] = registered["format"]["options"]
        assert option["name"] == "format" and [c["value"] for c in option["choices"]] == ["full", "compact"]
        refused = await run(w, "format", {"format": "compact"}, permissions=MEMBER_DEFAULT)
        assert refused.ephemeral and "Admin rights are needed" in refused.text
        await run(w, "subscribe", permissions=MANAGER)
        assert "now compact" in (await run(w, "format", {"format": "compact"}, permissions=MANAGER)).text
        assert "Alert format: compact" in (await run(w, "settings", permissions=MANAGER)).text
        await ingest_summary(w.store, NIGHT | {"notes": "Long notes"}, notify=True)
        d = Dispatcher(w.store, {"discord": w.transport}, Renderers.from_handlers(), CONFIG)
        await drain(d, w.store)
        alerts = [m for m in w.fake.channel_messages(w.channel.id) if "🚨" in json.dumps(m.payload, ensure_ascii=False)]
        [posted] = alerts
        embed = json.dumps(posted.payload["embeds"], ensure_ascii=False)
        assert "120 launched (120 drones) · 70 neutralized (58.3%)" in embed
        assert "Long notes" not in embed and "Report #" in embed
