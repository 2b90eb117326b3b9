"""The unmodified discord.py client connects to the fake Discord and syncs every command."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from discord.voice_client import VoiceClient

from handlers.router import COMMANDS
from tests.fakes.discord.harness import discord_world


async def test_connects_with_minimum_intents_and_syncs_commands_globally(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        identify = w.fake.gateway.identify
        assert identify is not None
        # GUILDS only (1 << 0): no privileged intents
        assert identify["intents"] == 1
        assert w.fake.calls("GET", r"^/gateway/bot$")
        names = {c["name"] for c in w.fake.commands["global"]}
        assert {spec.name for spec in COMMANDS} - {"start"} <= names
        assert w.transport.client.get_guild(w.guild.id) is not None
        assert w.fake.gateway.heartbeats >= 1, "discord.py heartbeats at once after HELLO"


async def test_commands_carry_ukrainian_descriptions_and_typed_options(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        commands = {c["name"]: c for c in w.fake.commands["global"]}
        subscribe = commands["subscribe"]
        assert subscribe["description_localizations"].get("uk")
        assert subscribe["description_localizations"]["uk"] != subscribe["description"]
        options = {o["name"]: o for o in subscribe["options"]}
        assert options["regions"]["type"] == 3 and options["regions"]["autocomplete"] is True
        assert options["min"]["type"] == 4 and options["min"]["min_value"] == 0
        stats = {o["name"]: o for o in commands["stats"]["options"]}
        assert [c["value"] for c in stats["window"]["choices"]] == ["24h", "7d", "30d", "365d", "all"]
        assert stats["region"]["autocomplete"] is True
        lang = {o["name"]: o for o in commands["lang"]["options"]}
        assert [c["value"] for c in lang["language"]["choices"]] == ["en", "uk"]
        assert all(len(c["description"]) <= 100 for c in commands.values())


async def test_no_voice_warnings_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py warns once per process, at the first client, that voice libraries are missing
    monkeypatch.setattr(VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(VoiceClient, "warn_dave", True)
    caplog.set_level(logging.INFO)
    async with discord_world(tmp_path):
        pass
    assert not [r for r in caplog.records if "voice" in r.getMessage().lower()]
    assert [r for r in caplog.records if r.name.startswith("discord")], "discord.py's own logging still shows"
