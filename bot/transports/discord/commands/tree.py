"""The slash command tree: every audience's commands, each routed through the interaction runner."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.transports.discord.commands import bot_admins, chat_admins, everyone
from bot.transports.discord.interactions import InteractionRunner


def build_tree(client: discord.Client, runner: InteractionRunner) -> app_commands.CommandTree[Any]:
    """Every bot command as a slash command, each routed through `runner`."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for audience in (everyone, chat_admins, bot_admins):
        audience.register(tree, runner)
    return tree
