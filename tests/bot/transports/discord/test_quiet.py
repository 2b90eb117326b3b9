"""Quiet hours on Discord: the /quiet slash command and alerts posted with SUPPRESS_NOTIFICATIONS."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from handlers.ingest import ingest_summary
from tests.bot.delivery.support import drain
from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.harness import run_slash as run
from tests.fakes.discord.model import MANAGE_CHANNELS, MEMBER_DEFAULT

SUPPRESS_NOTIFICATIONS = 1 << 12
MANAGER = MEMBER_DEFAULT | MANAGE_CHANNELS
CONFIG = DispatcherConfig(
    batch_size=50, concurrency=4, poll_interval=0.05, rates={"discord": 40.0}, timezone=ZoneInfo("Europe/Kyiv")
)
SUMMARY = {
    "external_id": "kpszsu/night-1",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "weapons": [{"model": "Shahed-136/131", "launched": 120, "destroyed": 50, "suppressed": 20}],
}



async def test_quiet_slash_command_sets_shows_and_clears(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        registered = {c["name"]: c for c in w.fake.commands["global"]}
        [hours] = registered["quiet"]["options"]
        assert hours["name"] == "hours" and hours["type"] == 3 and not hours.get("required")
        refused = await run(w, "quiet", {"hours": "23:00-07:00"}, permissions=MEMBER_DEFAULT)
        assert refused.ephemeral and "Admin rights are needed" in refused.text
        await run(w, "subscribe", permissions=MANAGER)
        reply = await run(w, "quiet", {"hours": "23:00-07:00"}, permissions=MANAGER)
        assert "Quiet hours set: 23:00–07:00 (Europe/Kyiv)" in reply.text
        sub = await w.store.get_subscription("discord", str(w.channel.id))
        assert sub is not None and sub.quiet == (23 * 60, 7 * 60)
        assert "Quiet hours: 23:00–07:00" in (await run(w, "quiet", permissions=MANAGER)).text
        assert "Quiet hours are off" in (await run(w, "quiet", {"hours": "off"}, permissions=MANAGER)).text
        sub = await w.store.get_subscription("discord", str(w.channel.id))
        assert sub is not None and sub.quiet is None


async def test_alert_in_quiet_hours_is_posted_with_suppress_notifications(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        quiet = await w.store.subscribe("discord", str(w.channel.id))
        await w.store.update_subscription(quiet.id, quiet=(23 * 60, 7 * 60))
        await w.store.subscribe("discord", str(w.channel.id), str(w.thread.id))
        await ingest_summary(w.store, SUMMARY, notify=True)
        # 03:30 in Kyiv, on a day after the test: the dispatcher claims rows due by this clock too
        at_night = datetime(2100, 7, 4, 0, 30, tzinfo=UTC)
        d = Dispatcher(w.store, {"discord": w.transport}, Renderers.from_handlers(), CONFIG, wall_clock=lambda: at_night)
        await drain(d, w.store)
        [silent] = w.fake.channel_messages(w.channel.id)
        [loud] = w.fake.channel_messages(w.thread.id)
        assert silent.payload["flags"] & SUPPRESS_NOTIFICATIONS
        assert not loud.payload["flags"] & SUPPRESS_NOTIFICATIONS
        assert silent.payload["embeds"] == loud.payload["embeds"]
