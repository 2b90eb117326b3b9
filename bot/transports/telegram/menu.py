"""Telegram command menus (setMyCommands) per locale, from the router's COMMANDS."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

log = logging.getLogger(__name__)

# locale → [(command, description)]; the default locale becomes the menu without language_code
CommandMenu = Mapping[str, Sequence[tuple[str, str]]]
LOCALES = ("en", "uk")


def default_menus() -> tuple[CommandMenu, CommandMenu]:
    """(menu for everyone, menu for bot admins) in each locale, from the router's COMMANDS."""
    from handlers.router import COMMANDS, Access  # late: the router imports every command

    public = {
        loc: [(s.name, s.description(loc)) for s in COMMANDS if s.access != Access.BOT_ADMIN]
        for loc in LOCALES
    }
    full = {loc: [(s.name, s.description(loc)) for s in COMMANDS] for loc in LOCALES}
    return public, full


def valid_name(name: str) -> bool:
    """Bot API command names: 1–32 of a-z, 0-9 and underscore."""
    return 0 < len(name) <= 32 and all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name)


async def set_menu(
    bot: Bot, menu: CommandMenu, *, default_locale: str, scope: BotCommandScopeChat | None = None
) -> set[str]:
    """Register one menu in every locale; returns the command names. Failures are only logged."""
    names: set[str] = set()
    for locale, entries in menu.items():
        commands = [BotCommand(name, desc[:256] or name) for name, desc in entries if valid_name(name)]
        names.update(c.command for c in commands)
        try:
            await bot.set_my_commands(
                commands, scope=scope, language_code=None if locale == default_locale else locale
            )
        except TelegramError as exc:  # a menu is a convenience: never block the start
            log.warning("setMyCommands(%s) failed: %s", locale, exc)
    return names


async def register_menus(
    bot: Bot,
    public: CommandMenu,
    admin: CommandMenu,
    *,
    admins: Iterable[str],
    default_locale: str,
) -> frozenset[str]:
    """The public menu for everyone, the full one in each Telegram bot admin's private chat."""
    names = await set_menu(bot, public, default_locale=default_locale)
    for key in sorted(admins):
        platform, _, user_id = key.partition(":")
        if platform == "telegram" and user_id.lstrip("-").isdigit():
            scope = BotCommandScopeChat(int(user_id))
            names |= await set_menu(bot, admin, default_locale=default_locale, scope=scope)
    return frozenset(names)
