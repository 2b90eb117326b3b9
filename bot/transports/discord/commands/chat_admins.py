"""Slash commands for those who manage a channel: its subscription, mute, quiet hours, format, language."""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.transports.discord.commands.regions import complete_regions
from bot.transports.discord.commands.specs import Count, Interaction, SlashSpec, chosen
from bot.transports.discord.interactions import InteractionRunner
from handlers.commands.base import Access

Choice = app_commands.Choice[str]
# a language picker names each language in that language, whoever reads it
ENDONYMS = {"en": "English", "uk": "Українська"}


def register(tree: app_commands.CommandTree[Any], runner: InteractionRunner) -> None:
    """Add the chat-admin commands to `tree`, each routed through `runner`."""
    subscribe_spec = SlashSpec.of("subscribe", Access.CHAT_ADMIN)
    unsubscribe_spec = SlashSpec.of("unsubscribe", Access.CHAT_ADMIN)
    settings_spec = SlashSpec.of("settings", Access.CHAT_ADMIN)
    mute_spec = SlashSpec.of("mute", Access.CHAT_ADMIN)
    unmute_spec = SlashSpec.of("unmute", Access.CHAT_ADMIN)
    quiet_spec = SlashSpec.of("quiet", Access.CHAT_ADMIN)
    lang_spec = SlashSpec.of("lang", Access.CHAT_ADMIN)
    format_spec = SlashSpec.of("format", Access.CHAT_ADMIN)

    @tree.command(name="subscribe", description=subscribe_spec.description)
    @app_commands.describe(regions=subscribe_spec.help("regions"), min_launched=subscribe_spec.help("min"))
    @app_commands.rename(min_launched="min")
    @app_commands.autocomplete(regions=complete_regions)
    async def subscribe(
        interaction: Interaction, regions: str | None = None, min_launched: Count | None = None
    ) -> None:
        await runner.run_command(interaction, "subscribe", subscribe_spec.args(regions=regions, min=min_launched))

    @tree.command(name="unsubscribe", description=unsubscribe_spec.description)
    async def unsubscribe(interaction: Interaction) -> None:
        await runner.run_command(interaction, "unsubscribe", unsubscribe_spec.args())

    @tree.command(name="settings", description=settings_spec.description)
    async def settings(interaction: Interaction) -> None:
        await runner.run_command(interaction, "settings", settings_spec.args())

    @tree.command(name="mute", description=mute_spec.description)
    @app_commands.describe(duration=mute_spec.help("duration"))
    async def mute(interaction: Interaction, duration: app_commands.Range[str, 1, 16]) -> None:
        await runner.run_command(interaction, "mute", mute_spec.args(duration=duration))

    @tree.command(name="unmute", description=unmute_spec.description)
    async def unmute(interaction: Interaction) -> None:
        await runner.run_command(interaction, "unmute", unmute_spec.args())

    @tree.command(name="quiet", description=quiet_spec.description)
    @app_commands.describe(hours=quiet_spec.help("hours"))
    async def quiet(interaction: Interaction, hours: app_commands.Range[str, 1, 32] | None = None) -> None:
        await runner.run_command(interaction, "quiet", quiet_spec.args(hours=hours))

    @tree.command(name="lang", description=lang_spec.description)
    @app_commands.describe(language=lang_spec.help("language"))
    @app_commands.choices(language=lang_spec.choices("language", ENDONYMS))
    async def lang(interaction: Interaction, language: Choice) -> None:
        await runner.run_command(interaction, "lang", lang_spec.args(language=language.value))

    @tree.command(name="format", description=format_spec.description)
    @app_commands.describe(format=format_spec.help("format"))
    @app_commands.choices(format=format_spec.choices("format"))
    async def format_(interaction: Interaction, format: Choice | None = None) -> None:
        await runner.run_command(interaction, "format", format_spec.args(format=chosen(format)))
