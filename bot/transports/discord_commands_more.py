"""Slash commands added after the first tree: /top and /format, with the helpers of discord_commands."""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.transports.discord_commands import Interaction, arg_help, complete_region, describe, join_args, quote
from bot.transports.discord_interactions import InteractionRunner
from handlers.commands.top import TOP_WINDOWS
from storage.models import AlertFormat

FORMATS = tuple(f.value for f in AlertFormat)


def add_more_commands(tree: app_commands.CommandTree[Any], runner: InteractionRunner) -> None:
    """/top (window choices, region autocomplete like /stats) and /format (full or compact alerts)."""

    @tree.command(name="top", description=describe("top", "The largest attacks"))
    @app_commands.describe(
        window=arg_help("top", "period", "Period (default all)"), region=arg_help("top", "region", "A region")
    )
    @app_commands.choices(window=[app_commands.Choice(name=w, value=w) for w in TOP_WINDOWS])
    @app_commands.autocomplete(region=complete_region)
    async def top(
        interaction: Interaction, window: app_commands.Choice[str] | None = None, region: str | None = None
    ) -> None:
        args = join_args(window.value if window else None, quote(region) if region else None)
        await runner.run_command(interaction, "top", args)

    @tree.command(name="format", description=describe("format", "Full or compact alerts (needs Manage Channels)"))
    @app_commands.describe(format=arg_help("format", "format", "full or compact"))
    @app_commands.choices(format=[app_commands.Choice(name=f, value=f) for f in FORMATS])
    async def format_(interaction: Interaction, format: app_commands.Choice[str] | None = None) -> None:
        await runner.run_command(interaction, "format", format.value if format else "")
