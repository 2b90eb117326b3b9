"""Alerts through the delivery dispatcher and the Discord transport, against the fake Discord."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.base import Outcome, Target
from handlers.context import Message
from handlers.ingest import ingest_summary
from tests.fakes.discord.harness import DiscordWorld, discord_world
from tests.fakes.discord.model import PATIENCE

CONFIG = DispatcherConfig(
    batch_size=100, concurrency=8, lease_seconds=30, max_attempts=3, base_backoff=0.05,
    poll_interval=0.05, rates={"discord": 40.0}, timezone=ZoneInfo("Europe/Kyiv"),
)


def payload(launched: int = 620, notes: str | None = None, injured: int = 3) -> dict[str, Any]:
    """A summary as a feed posts it."""
    data: dict[str, Any] = {
        "external_id": "kpszsu/night-1",
        "source": "Ukrainian Air Force",
        "period_start": "2025-07-03T18:00:00+03:00",
        "period_end": "2025-07-04T06:00:00+03:00",
        "regions": ["Kyiv"],
        "weapons": [{"model": "Shahed-136/131", "launched": launched, "destroyed": 400, "suppressed": 150}],
        "hit_locations": 8,
        "injured": injured,
    }
    if notes is not None:
        data["notes"] = notes
    return data


def dispatcher(w: DiscordWorld) -> Dispatcher:
    """The real dispatcher with the Discord transport."""
    return Dispatcher(w.store, {"discord": w.transport}, Renderers.from_handlers(), CONFIG)


async def drain(d: Dispatcher, w: DiscordWorld, timeout: float = 60.0) -> None:
    """Run passes until nothing is pending."""
    deadline = time.monotonic() + timeout
    while True:
        handled = await d.run_once()
        stats = await w.store.queue_stats(now=datetime.now(UTC))
        if stats.pending == 0:
            return
        assert time.monotonic() < deadline, f"outbox not drained: {stats}"
        if not handled:
            await asyncio.sleep(0.02)


async def subscribe(w: DiscordWorld, channel_id: int, thread_id: int | None = None) -> None:
    await w.store.subscribe("discord", str(channel_id), str(thread_id) if thread_id else None)


async def test_alert_is_posted_as_an_embed_and_a_correction_edits_it(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await subscribe(w, w.channel.id)
        await subscribe(w, w.channel.id, w.thread.id)
        d = dispatcher(w)
        await ingest_summary(w.store, payload(), notify=True)
        await drain(d, w)

        for target in (w.channel.id, w.thread.id):
            posted = w.fake.channel_messages(target)
            assert len(posted) == 1
            embed = posted[0].payload["embeds"][0]
            assert embed["color"] == 0x992D22  # 620 launched: the colour of a massive attack
            fields = {f["name"]: f["value"] for f in embed["fields"]}
            assert {"Launched", "Neutralized", "Casualties"} <= set(fields)
            assert any("8 locations" in v for v in fields.values()), "hits get a field"
            assert "Ukrainian Air Force" in embed["footer"]["text"]
        request = w.fake.calls("POST", rf"^/channels/{w.channel.id}/messages$")[0]
        assert request.json["allowed_mentions"] == {"parse": []}

        await ingest_summary(w.store, payload(injured=25), notify=True)
        await drain(d, w)
        posted = w.fake.channel_messages(w.channel.id)
        assert len(posted) == 1, "a correction edits, it does not post again"
        assert len(posted[0].edits) == 1
        fields = {f["name"]: f["value"] for f in posted[0].payload["embeds"][0]["fields"]}
        assert "25" in fields["Casualties"]
        assert "2" in posted[0].payload["embeds"][0]["description"]  # "Corrected, revision 2"
        edit = w.fake.calls("PATCH", rf"^/channels/{w.channel.id}/messages/")[0]
        assert edit.json["allowed_mentions"] == {"parse": []}


async def test_missing_access_deactivates_the_subscription(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        other = w.guild.channels[1]
        await subscribe(w, w.channel.id)
        await subscribe(w, other.id)
        w.fake.faults.fail("POST", rf"^/channels/{w.channel.id}/messages$", 403, code=50001, message="Missing Access")
        d = dispatcher(w)
        await ingest_summary(w.store, payload(), notify=True)
        await drain(d, w)

        gone = await w.store.get_subscription("discord", str(w.channel.id))
        assert gone is not None and not gone.active
        assert len(w.fake.calls("POST", rf"^/channels/{w.channel.id}/messages$")) == 1, "one try only"
        assert len(w.fake.channel_messages(other.id)) == 1
        active = await w.store.list_subscriptions(platform="discord")
        assert [s.chat_id for s in active] == [str(other.id)]


async def test_a_summary_mentioning_everyone_pings_nobody(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await subscribe(w, w.channel.id)
        notes = "@everyone @here <@123456> **bold** take cover"
        await ingest_summary(w.store, payload(notes=notes), notify=True)
        await drain(dispatcher(w), w)
        request = w.fake.calls("POST", rf"^/channels/{w.channel.id}/messages$")[0]
        assert request.json["allowed_mentions"] == {"parse": []}
        assert not request.json.get("content")
        body = str(request.json["embeds"])
        assert "@everyone" not in body and "@here" not in body and "<@123456>" not in body
        assert "\\*\\*bold\\*\\*" in request.json["embeds"][0]["description"]


async def test_transport_outcomes_for_discord_errors(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        t = w.transport
        rendered = t.render(Message(title="Test", lines=["hello"]))
        target = Target(str(w.channel.id))
        cases = [
            (403, 50013, Outcome.GONE),
            (404, 10003, Outcome.GONE),
            (503, 0, Outcome.TRANSIENT),
            (400, 50035, Outcome.REJECTED),
        ]
        for status, code, outcome in cases:
            w.fake.faults.fail("POST", r"/messages$", status, code=code)
            result = await t.send(target, rendered)
            assert result.outcome == outcome, (status, code, result)

        # a deleted channel answers 10003 Unknown Channel
        result = await t.send(Target("1"), rendered)
        assert result.outcome == Outcome.GONE

        ok = await t.send(target, rendered)
        assert ok.outcome == Outcome.OK and ok.message_id
        assert (await t.edit(target, "424242", rendered)).outcome == Outcome.NOT_EDITABLE
        assert (await t.edit(target, ok.message_id, rendered)).outcome == Outcome.OK


async def test_rate_limits_short_is_waited_long_is_reported(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        t = w.transport
        rendered = t.render(Message(title="Test"))
        target = Target(str(w.channel.id))
        w.fake.faults.fail("POST", r"/messages$", 429, retry_after=0.3)
        result = await t.send(target, rendered)
        assert result.outcome == Outcome.OK
        first, second = w.fake.calls("POST", r"/messages$")[-2:]
        assert second.at - first.at >= 0.3, "discord.py waits retry_after before trying again"

        # longer than discord.py is allowed to sleep: the dispatcher gets the wait
        w.fake.faults.fail("POST", r"/messages$", 429, retry_after=120.0)
        result = await t.send(target, rendered)
        assert result.outcome == Outcome.RETRY_AFTER and result.retry_after == 120.0

        # without Via discord.py takes it for a Cloudflare ban: everything waits
        w.fake.faults.fail("POST", r"/messages$", 429, retry_after=5.0, via=False)
        result = await t.send(target, rendered)
        assert result.outcome == Outcome.RETRY_AFTER and result.global_limit


async def test_dead_letters_record_the_reason(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await subscribe(w, w.channel.id)
        w.fake.faults.fail("POST", r"/messages$", 400, code=50035, message="Invalid Form Body")
        await ingest_summary(w.store, payload(), notify=True)
        await drain(dispatcher(w), w)
        stats = await w.store.queue_stats(now=datetime.now(UTC))
        assert stats.dead == 1 and stats.last_error and "50035" in stats.last_error


async def test_correction_of_a_deleted_alert_is_posted_anew(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await subscribe(w, w.channel.id)
        d = dispatcher(w)
        await ingest_summary(w.store, payload(), notify=True)
        await drain(d, w)
        first = w.fake.channel_messages(w.channel.id)[0]
        # a moderator deleted the alert: Discord answers 10008 Unknown Message to the edit
        del w.fake.messages[int(first.payload["id"])]
        await ingest_summary(w.store, payload(injured=40), notify=True)
        await drain(d, w)
        posted = w.fake.channel_messages(w.channel.id)
        assert len(posted) == 1 and posted[0] is not first
        assert "40" in str(posted[0].payload["embeds"][0]["fields"])
        post = w.fake.calls("POST", rf"^/channels/{w.channel.id}/messages$")[-1]
        assert post.json["message_reference"]["fail_if_not_exists"] is False


async def test_removed_from_the_server_switches_its_channels_off(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await subscribe(w, w.channel.id)
        await subscribe(w, w.channel.id, w.thread.id)
        other = await w.store.subscribe("discord", "4242")  # a channel of another server
        await w.fake.gateway.dispatch("GUILD_DELETE", {"id": str(w.guild.id)})
        deadline = time.monotonic() + PATIENCE
        while [s.id for s in await w.store.list_subscriptions()] != [other.id] and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert [s.id for s in await w.store.list_subscriptions()] == [other.id]
