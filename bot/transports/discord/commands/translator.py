"""Ukrainian slash command texts, from the handlers' message catalog."""

from __future__ import annotations

import discord
from discord import app_commands

from handlers.i18n import translator


class CatalogTranslator(app_commands.Translator):
    """Ukrainian command and option descriptions from the handlers' message catalog."""

    _LOCATIONS = frozenset(
        {
            app_commands.TranslationContextLocation.command_description,
            app_commands.TranslationContextLocation.parameter_description,
            app_commands.TranslationContextLocation.choice_name,
        }
    )

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        """The catalog's translation, or None (Discord then shows the English text)."""
        if locale is not discord.Locale.ukrainian or context.location not in self._LOCATIONS:
            return None
        text = translator("uk")._(string.message)
        return text[:100] if text != string.message else None
