"""Slash commands for bot admins: /post, /correct, /retract, /broadcast, /status; the message command "Post as report"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import discord
from discord import app_commands

from bot.transports.discord.commands.regions import complete_regions
from bot.transports.discord.commands.specs import Count, Interaction, ReportId, SlashSpec
from bot.transports.discord.interactions import InteractionRunner
from handlers.commands.base import Access, ArgKind, ArgSpec, build_args

# the message command: /post with the message's text, parsed into a preview (docs/parsing.md)
POST_AS_REPORT = "Post as report"
Note = app_commands.Range[str, 1, 4000]
Source = app_commands.Range[str, 1, 500]

# /post and /correct read their report fields from one `key=value …` argument; here each
# field is an option of its own, joined with the quoting every other option gets
FIELD_HELP = {
    "drones": "Drones launched",
    "missiles": "Missiles launched",
    "destroyed": "Shot down",
    "suppressed": "Lost from radar / suppressed by electronic warfare",
    "regions": "Regions, comma-separated (e.g. Kyiv, Odesa)",
    "hits": "Locations with hits",
    "debris": "Locations with falling debris",
    "killed": "People killed",
    "injured": "People injured",
    "note": "Free-text note",
    "source": "Source of the report",
}


def fields_text(command: SlashSpec, values: dict[str, object]) -> str:
    """The report fields as `key=value` words, by handlers' build_args."""
    fields = tuple(ArgSpec(key, ArgKind.TEXT, text, keyword=True) for key, text in FIELD_HELP.items())
    return build_args(replace(command.spec, args=fields), values)


def register(tree: app_commands.CommandTree[Any], runner: InteractionRunner) -> None:
    """Add the bot-admin commands to `tree`, each routed through `runner`."""
    post_spec = SlashSpec.of("post", Access.BOT_ADMIN)
    correct_spec = SlashSpec.of("correct", Access.BOT_ADMIN)
    retract_spec = SlashSpec.of("retract", Access.BOT_ADMIN)
    broadcast_spec = SlashSpec.of("broadcast", Access.BOT_ADMIN)
    status_spec = SlashSpec.of("status", Access.BOT_ADMIN)

    @tree.command(name="post", description=post_spec.description)
    @app_commands.describe(**FIELD_HELP)
    @app_commands.autocomplete(regions=complete_regions)
    async def post(
        interaction: Interaction,
        drones: Count | None = None,
        missiles: Count | None = None,
        destroyed: Count | None = None,
        suppressed: Count | None = None,
        regions: str | None = None,
        hits: Count | None = None,
        debris: Count | None = None,
        killed: Count | None = None,
        injured: Count | None = None,
        note: Note | None = None,
        source: Source | None = None,
    ) -> None:
        fields = fields_text(post_spec, {
            "drones": drones, "missiles": missiles, "destroyed": destroyed, "suppressed": suppressed,
            "regions": regions, "hits": hits, "debris": debris, "killed": killed, "injured": injured,
            "note": note, "source": source,
        })
        await runner.run_command(interaction, "post", post_spec.args(fields=fields))

    @tree.context_menu(name=POST_AS_REPORT)
    async def post_as_report(interaction: Interaction, message: discord.Message) -> None:
        # the router refuses anyone but bot admins, as for /post
        await runner.run_on_message(interaction, "post", message)

    @tree.command(name="correct", description=correct_spec.description)
    @app_commands.describe(id=correct_spec.help("id"), **FIELD_HELP)
    @app_commands.autocomplete(regions=complete_regions)
    async def correct(
        interaction: Interaction,
        id: ReportId,
        drones: Count | None = None,
        missiles: Count | None = None,
        destroyed: Count | None = None,
        suppressed: Count | None = None,
        regions: str | None = None,
        hits: Count | None = None,
        debris: Count | None = None,
        killed: Count | None = None,
        injured: Count | None = None,
        note: Note | None = None,
        source: Source | None = None,
    ) -> None:
        fields = fields_text(correct_spec, {
            "drones": drones, "missiles": missiles, "destroyed": destroyed, "suppressed": suppressed,
            "regions": regions, "hits": hits, "debris": debris, "killed": killed, "injured": injured,
            "note": note, "source": source,
        })
        await runner.run_command(interaction, "correct", correct_spec.args(id=id, fields=fields))

    @tree.command(name="retract", description=retract_spec.description)
    @app_commands.describe(id=retract_spec.help("id"))
    async def retract(interaction: Interaction, id: ReportId) -> None:
        await runner.run_command(interaction, "retract", retract_spec.args(id=id))

    @tree.command(name="broadcast", description=broadcast_spec.description)
    @app_commands.describe(text=broadcast_spec.help("text"))
    async def broadcast(interaction: Interaction, text: app_commands.Range[str, 1, 2000]) -> None:
        await runner.run_command(interaction, "broadcast", broadcast_spec.args(text=text))

    @tree.command(name="status", description=status_spec.description)
    async def status(interaction: Interaction) -> None:
        await runner.run_command(interaction, "status", status_spec.args())
