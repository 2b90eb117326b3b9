"""Slash commands anyone may use: /help, /latest, /stats, /chart, /top, /summary."""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.transports.discord.commands.regions import complete_region
from bot.transports.discord.commands.specs import Interaction, ReportId, SlashSpec, chosen
from bot.transports.discord.interactions import InteractionRunner
from handlers.commands.base import Access

LatestN = app_commands.Range[int, 1, 20]
Window = app_commands.Choice[str]


def register(tree: app_commands.CommandTree[Any], runner: InteractionRunner) -> None:
    """Add the everyone commands to `tree`, each routed through `runner`."""
    help_spec = SlashSpec.of("help", Access.EVERYONE)
    latest_spec = SlashSpec.of("latest", Access.EVERYONE)
    stats_spec = SlashSpec.of("stats", Access.EVERYONE)
    chart_spec = SlashSpec.of("chart", Access.EVERYONE)
    top_spec = SlashSpec.of("top", Access.EVERYONE)
    summary_spec = SlashSpec.of("summary", Access.EVERYONE)

    @tree.command(name="help", description=help_spec.description)
    async def help_(interaction: Interaction) -> None:
        await runner.run_command(interaction, "help", help_spec.args())

    @tree.command(name="latest", description=latest_spec.description)
    @app_commands.describe(n=latest_spec.help("n"), region=latest_spec.help("region"))
    @app_commands.autocomplete(region=complete_region)
    async def latest(interaction: Interaction, n: LatestN | None = None, region: str | None = None) -> None:
        await runner.run_command(interaction, "latest", latest_spec.args(n=n, region=region))

    @tree.command(name="stats", description=stats_spec.description)
    @app_commands.describe(window=stats_spec.help("period"), region=stats_spec.help("region"))
    @app_commands.choices(window=stats_spec.choices("period"))
    @app_commands.autocomplete(region=complete_region)
    async def stats(interaction: Interaction, window: Window | None = None, region: str | None = None) -> None:
        await runner.run_command(interaction, "stats", stats_spec.args(period=chosen(window), region=region))

    @tree.command(name="chart", description=chart_spec.description)
    @app_commands.describe(window=chart_spec.help("period"), region=chart_spec.help("region"))
    @app_commands.choices(window=chart_spec.choices("period"))
    @app_commands.autocomplete(region=complete_region)
    async def chart(interaction: Interaction, window: Window | None = None, region: str | None = None) -> None:
        await runner.run_command(interaction, "chart", chart_spec.args(period=chosen(window), region=region))

    @tree.command(name="summary", description=summary_spec.description)
    @app_commands.describe(id=summary_spec.help("id"))
    async def summary(interaction: Interaction, id: ReportId) -> None:
        await runner.run_command(interaction, "summary", summary_spec.args(id=id))

    @tree.command(name="top", description=top_spec.description)
    @app_commands.describe(window=top_spec.help("period"), region=top_spec.help("region"))
    @app_commands.choices(window=top_spec.choices("period"))
    @app_commands.autocomplete(region=complete_region)
    async def top(interaction: Interaction, window: Window | None = None, region: str | None = None) -> None:
        await runner.run_command(interaction, "top", top_spec.args(period=chosen(window), region=region))
