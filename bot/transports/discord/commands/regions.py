"""Region autocomplete for slash command options, from the gazetteer."""

from __future__ import annotations

from discord import app_commands

from bot.transports.discord.commands.specs import Interaction
from bot.transports.discord.interactions import locale_of
from storage.catalog import gazetteer

AUTOCOMPLETE_MAX = 25


def region_choices(current: str, locale: str, *, multiple: bool) -> list[app_commands.Choice[str]]:
    """Regions whose name, Ukrainian name, alias or id contains what was typed (last item when a list)."""
    head, sep, last = current.rpartition(",") if multiple else ("", "", current)
    prefix = (head + sep + " ") if sep else ""
    needle = last.strip().casefold()
    choices: list[app_commands.Choice[str]] = []
    for region in gazetteer().regions.values():
        names = (region.name_en, region.name_uk, region.id, *region.aliases)
        if needle and not any(needle in n.casefold() for n in names):
            continue
        display = region.name(locale)
        value = (prefix + region.name_en)[:100]
        choices.append(app_commands.Choice(name=(prefix + display)[:100], value=value))
        if len(choices) >= AUTOCOMPLETE_MAX:
            break
    return choices


async def complete_regions(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for a comma-separated region list."""
    return region_choices(current, locale_of(interaction, "en"), multiple=True)


async def complete_region(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for one region."""
    return region_choices(current, locale_of(interaction, "en"), multiple=False)
