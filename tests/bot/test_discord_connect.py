"""The unmodified discord.py client connects to the fake Discord and syncs every command."""

from __future__ import annotations

from pathlib import Path

from handlers.router import COMMANDS
from tests.fakes.discord_harness import discord_world


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
