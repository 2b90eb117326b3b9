"""Slash commands through the fake Discord: every command answered, permissions, buttons, autocomplete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.harness import run_slash as run
from tests.fakes.discord.model import MANAGE_CHANNELS, MEMBER_DEFAULT

MANAGER = MEMBER_DEFAULT | MANAGE_CHANNELS



async def test_member_without_manage_channels_is_refused_ephemerally(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        for command, options in (("subscribe", {}), ("unsubscribe", {}), ("mute", {"duration": "8h"})):
            reply = await run(w, command, options, permissions=MEMBER_DEFAULT)
            assert reply.ephemeral, command
            assert "Admin rights are needed" in reply.text
        assert await w.store.list_subscriptions(platform="discord") == []


async def test_manage_channels_member_subscribes_the_channel_with_filters(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        reply = await run(
            w, "subscribe", {"regions": "Kyiv, Odesa oblast", "min": 50}, permissions=MANAGER
        )
        assert not reply.ephemeral
        assert reply.embeds and "Kyiv" in reply.text
        sub = await w.store.get_subscription("discord", str(w.channel.id))
        assert sub is not None and sub.active
        assert sub.min_launched == 50
        assert set(sub.regions) == {"kyiv-city", "odesa"}
        assert sub.created_by == f"discord:{w.member.id}"


async def test_subscription_in_a_thread_belongs_to_the_thread(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await run(w, "subscribe", channel=w.thread, permissions=MANAGER)
        sub = await w.store.get_subscription("discord", str(w.channel.id), str(w.thread.id))
        assert sub is not None and sub.active
        assert await w.store.get_subscription("discord", str(w.channel.id)) is None


async def test_bot_admin_may_subscribe_without_manage_channels(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        reply = await run(w, "subscribe", user=w.admin, permissions=MEMBER_DEFAULT)
        assert not reply.ephemeral
        assert await w.store.get_subscription("discord", str(w.channel.id)) is not None


async def test_admin_commands_are_refused_to_others(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        reply = await run(w, "status", permissions=MANAGER)
        assert reply.ephemeral and "Only bot admins" in reply.text


async def test_every_command_is_answered(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        admin = {"user": w.admin, "permissions": MANAGER}
        steps: list[tuple[str, dict[str, Any]]] = [
            ("help", {}),
            ("subscribe", {"min": 10}),
            ("settings", {}),
            ("mute", {"duration": "8h"}),
            ("unmute", {}),
            ("lang", {"language": "uk"}),
            ("lang", {"language": "en"}),
            ("latest", {"n": 3}),
            ("stats", {"window": "7d"}),
            ("summary", {"id": 999}),
            ("status", {}),
            ("broadcast", {"text": "Maintenance tonight"}),
            ("unsubscribe", {}),
        ]
        for name, options in steps:
            reply = await run(w, name, options, **admin)
            assert reply.text.strip(), name
        # later replies come in the language the chat chose
        await run(w, "subscribe", **admin)
        await run(w, "lang", {"language": "uk"}, **admin)
        assert "Мова: українська" in (await run(w, "settings", **admin)).text


async def test_post_preview_confirm_stores_and_correct_retract(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        preview = await run(
            w,
            "post",
            {"drones": 120, "missiles": 4, "destroyed": 100, "suppressed": 10, "regions": "Kyiv, Odesa", "note": "Test"},
            user=w.admin,
        )
        assert "Preview" in preview.text
        assert [b["label"] for b in preview.buttons()] == ["Confirm", "Cancel"]
        assert await w.store.count_summaries() == 0
        press = await w.fake.interactions.press(preview.message, "Confirm", channel=w.channel, user=w.admin)
        done = await press.reply(w.fake)
        assert "Posted as report #" in done.text
        # the preview message itself was replaced, buttons gone
        assert done.message["id"] == preview.message["id"] and not done.buttons()
        latest = await w.store.latest(1)
        assert latest and latest[0].launched == 124
        summary_id = latest[0].id

        corrected = await run(w, "correct", {"id": summary_id, "injured": 5}, user=w.admin)
        assert corrected.text
        assert (await w.store.get_summary(summary_id)).injured == 5  # type: ignore[union-attr]
        await run(w, "retract", {"id": summary_id}, user=w.admin)
        assert (await w.store.get_summary(summary_id)).status == "retracted"  # type: ignore[union-attr]


async def test_post_buttons_are_for_bot_admins_only(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        preview = await run(w, "post", {"drones": 5}, user=w.admin)
        press = await w.fake.interactions.press(preview.message, "Confirm", channel=w.channel, user=w.member)
        refusal = await press.reply(w.fake)
        assert refusal.ephemeral and "Only bot admins" in refusal.text
        assert await w.store.count_summaries() == 0


async def test_region_autocomplete_offers_gazetteer_names(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        log = await w.fake.interactions.autocomplete("stats", "region", "ode", channel=w.channel, user=w.member)
        choices = (await log.reply(w.fake)).message["choices"]
        assert any("Odesa" in c["name"] for c in choices)
        assert len(choices) <= 25
        # a list keeps what was typed before the last comma
        log = await w.fake.interactions.autocomplete("subscribe", "regions", "Kyiv, Khar", channel=w.channel, user=w.member)
        choices = (await log.reply(w.fake)).message["choices"]
        assert choices and all(c["value"].startswith("Kyiv, Khar") for c in choices)


async def test_commands_sync_to_configured_guilds_only(tmp_path: Path) -> None:
    async with discord_world(tmp_path, guild_ids=[]) as probe:
        guild_id = probe.guild.id
    (tmp_path / "g").mkdir()
    async with discord_world(tmp_path / "g", guild_ids=[guild_id]) as w:
        assert "global" not in w.fake.commands
        scoped = w.fake.commands[str(w.guild.id)]
        assert {c["name"] for c in scoped} >= {"subscribe", "latest", "stats", "post"}
        # invocations of guild commands carry the guild id and still work
        assert (await run(w, "help")).text
