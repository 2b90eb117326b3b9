"""The slash command tree: typed options rebuilt into the text-command argument syntax."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.transports.discord_interactions import InteractionRunner
from handlers.commands.chart import CHART_WINDOWS
from handlers.i18n import translator
from handlers.router import command_spec
from storage.catalog import gazetteer

Interaction = discord.Interaction[Any]
Count = app_commands.Range[int, 0, 100_000]
SummaryId = app_commands.Range[int, 1, 2_147_483_647]
LatestN = app_commands.Range[int, 1, 20]

STATS_WINDOWS = ("24h", "7d", "30d", "365d", "all")
LOCALES = (("English", "en"), ("Українська", "uk"))
AUTOCOMPLETE_MAX = 25


def describe(name: str, fallback: str) -> str:
    """The router's one-line summary of a command (translated for Discord), else `fallback`."""
    spec = command_spec(name)
    return spec.summary if spec is not None else fallback


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


def arg_help(command: str, arg: str, fallback: str) -> str:
    """The router's description of a command argument (translated for Discord), else `fallback`."""
    spec = command_spec(command)
    found = next((a for a in spec.args if a.name == arg), None) if spec is not None else None
    return found.description if found is not None else fallback


def quote(value: str) -> str:
    """A value as the text commands read it: bare when simple, else double-quoted (shell style)."""
    if value and not any(c.isspace() or c in "\"'\\" for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def join_args(*parts: str | None) -> str:
    """Space-joined non-empty parts."""
    return " ".join(p for p in parts if p)


def kv(key: str, value: object) -> str | None:
    """`key=value` for a given option, None when the option was left out."""
    if value is None or value == "":
        return None
    return f"{key}={quote(str(value))}"


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


def _ui_locale(interaction: Interaction) -> str:
    return "uk" if str(interaction.locale).startswith("uk") else "en"


async def complete_regions(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for a comma-separated region list."""
    return region_choices(current, _ui_locale(interaction), multiple=True)


async def complete_region(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for one region."""
    return region_choices(current, _ui_locale(interaction), multiple=False)


def _summary_fields(
    drones: int | None,
    missiles: int | None,
    destroyed: int | None,
    suppressed: int | None,
    regions: str | None,
    hits: int | None,
    debris: int | None,
    killed: int | None,
    injured: int | None,
    note: str | None,
    source: str | None,
) -> list[str | None]:
    return [
        kv("drones", drones),
        kv("missiles", missiles),
        kv("destroyed", destroyed),
        kv("suppressed", suppressed),
        kv("regions", regions),
        kv("hits", hits),
        kv("debris", debris),
        kv("killed", killed),
        kv("injured", injured),
        kv("note", note),
        kv("source", source),
    ]


_SUMMARY_OPTION_HELP = {
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


def build_tree(client: discord.Client, runner: InteractionRunner) -> app_commands.CommandTree[Any]:
    """Every bot command as a slash command, each routed through `runner`."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)

    @tree.command(name="help", description=describe("help", "What this bot does and which commands you may use"))
    async def help_(interaction: Interaction) -> None:
        await runner.run_command(interaction, "help", "")

    @tree.command(name="subscribe", description=describe("subscribe", "Post alerts in this channel (needs Manage Channels)"))
    @app_commands.describe(
        regions=arg_help("subscribe", "regions", "Only these regions, comma-separated (empty: everything)"),
        min_launched=arg_help("subscribe", "min", "Only attacks with at least this many launched"),
    )
    @app_commands.rename(min_launched="min")
    @app_commands.autocomplete(regions=complete_regions)
    async def subscribe(
        interaction: Interaction, regions: str | None = None, min_launched: Count | None = None
    ) -> None:
        args = join_args(quote(regions) if regions else None, kv("min", min_launched))
        await runner.run_command(interaction, "subscribe", args)

    @tree.command(name="unsubscribe", description=describe("unsubscribe", "Stop alerts in this channel (needs Manage Channels)"))
    async def unsubscribe(interaction: Interaction) -> None:
        await runner.run_command(interaction, "unsubscribe", "")

    @tree.command(name="settings", description=describe("settings", "Show this channel's alert filters"))
    async def settings(interaction: Interaction) -> None:
        await runner.run_command(interaction, "settings", "")

    @tree.command(name="mute", description=describe("mute", "Pause alerts in this channel for a while (needs Manage Channels)"))
    @app_commands.describe(duration=arg_help("mute", "duration", "How long, e.g. 30m, 8h, 2d"))
    async def mute(interaction: Interaction, duration: app_commands.Range[str, 1, 16]) -> None:
        await runner.run_command(interaction, "mute", duration)

    @tree.command(name="unmute", description=describe("unmute", "Resume alerts in this channel (needs Manage Channels)"))
    async def unmute(interaction: Interaction) -> None:
        await runner.run_command(interaction, "unmute", "")

    @tree.command(name="quiet", description=describe("quiet", "Silent alerts during quiet hours (needs Manage Channels)"))
    @app_commands.describe(hours=arg_help("quiet", "hours", "e.g. 23:00-07:00, or off"))
    async def quiet(interaction: Interaction, hours: app_commands.Range[str, 1, 32] | None = None) -> None:
        await runner.run_command(interaction, "quiet", hours or "")

    @tree.command(name="lang", description=describe("lang", "Language of this channel's alerts (needs Manage Channels)"))
    @app_commands.describe(language=arg_help("lang", "language", "en or uk"))
    @app_commands.choices(language=[app_commands.Choice(name=n, value=v) for n, v in LOCALES])
    async def lang(interaction: Interaction, language: app_commands.Choice[str]) -> None:
        await runner.run_command(interaction, "lang", language.value)

    @tree.command(name="latest", description=describe("latest", "The most recent attack summaries"))
    @app_commands.describe(n=arg_help("latest", "n", "How many (1-20)"), region=arg_help("latest", "region", "A region"))
    @app_commands.autocomplete(region=complete_region)
    async def latest(interaction: Interaction, n: LatestN | None = None, region: str | None = None) -> None:
        args = join_args(str(n) if n is not None else None, quote(region) if region else None)
        await runner.run_command(interaction, "latest", args)

    @tree.command(name="stats", description=describe("stats", "Totals over a period"))
    @app_commands.describe(
        window=arg_help("stats", "period", "Period (default 30d)"), region=arg_help("stats", "region", "A region")
    )
    @app_commands.choices(window=[app_commands.Choice(name=w, value=w) for w in STATS_WINDOWS])
    @app_commands.autocomplete(region=complete_region)
    async def stats(
        interaction: Interaction, window: app_commands.Choice[str] | None = None, region: str | None = None
    ) -> None:
        args = join_args(window.value if window else None, quote(region) if region else None)
        await runner.run_command(interaction, "stats", args)

    @tree.command(name="chart", description=describe("chart", "Launches per day as a chart"))
    @app_commands.describe(
        window=arg_help("chart", "period", "Period (default 30d)"), region=arg_help("chart", "region", "A region")
    )
    @app_commands.choices(window=[app_commands.Choice(name=w, value=w) for w in CHART_WINDOWS])
    @app_commands.autocomplete(region=complete_region)
    async def chart(
        interaction: Interaction, window: app_commands.Choice[str] | None = None, region: str | None = None
    ) -> None:
        args = join_args(window.value if window else None, quote(region) if region else None)
        await runner.run_command(interaction, "chart", args)

    @tree.command(name="summary", description=describe("summary", "One summary by its id"))
    @app_commands.describe(id=arg_help("summary", "id", "Report number, as in an alert's footer"))
    async def summary(interaction: Interaction, id: SummaryId) -> None:
        await runner.run_command(interaction, "summary", str(id))

    # imported here: that module builds on the helpers above
    from bot.transports.discord_commands_more import add_more_commands

    add_more_commands(tree, runner)
    _admin_commands(tree, runner)
    return tree


def _admin_commands(tree: app_commands.CommandTree[Any], runner: InteractionRunner) -> None:
    @tree.command(name="post", description=describe("post", "Bot admins: post a manual update (preview, then confirm)"))
    @app_commands.describe(**_SUMMARY_OPTION_HELP)
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
        note: app_commands.Range[str, 1, 4000] | None = None,
        source: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        args = join_args(
            *_summary_fields(drones, missiles, destroyed, suppressed, regions, hits, debris, killed, injured, note, source)
        )
        await runner.run_command(interaction, "post", args)

    @tree.command(name="correct", description=describe("correct", "Bot admins: correct a summary (sent alerts get edited)"))
    @app_commands.describe(id="Summary id", **_SUMMARY_OPTION_HELP)
    @app_commands.autocomplete(regions=complete_regions)
    async def correct(
        interaction: Interaction,
        id: SummaryId,
        drones: Count | None = None,
        missiles: Count | None = None,
        destroyed: Count | None = None,
        suppressed: Count | None = None,
        regions: str | None = None,
        hits: Count | None = None,
        debris: Count | None = None,
        killed: Count | None = None,
        injured: Count | None = None,
        note: app_commands.Range[str, 1, 4000] | None = None,
        source: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        fields = _summary_fields(drones, missiles, destroyed, suppressed, regions, hits, debris, killed, injured, note, source)
        await runner.run_command(interaction, "correct", join_args(str(id), *fields))

    @tree.command(name="retract", description=describe("retract", "Bot admins: withdraw a summary (sent alerts get edited)"))
    @app_commands.describe(id="Summary id")
    async def retract(interaction: Interaction, id: SummaryId) -> None:
        await runner.run_command(interaction, "retract", str(id))

    @tree.command(name="broadcast", description=describe("broadcast", "Bot admins: send a text to every subscribed chat"))
    @app_commands.describe(text="The message")
    async def broadcast(interaction: Interaction, text: app_commands.Range[str, 1, 2000]) -> None:
        await runner.run_command(interaction, "broadcast", text)

    @tree.command(name="status", description=describe("status", "Bot admins: subscriptions, queue and errors"))
    async def status(interaction: Interaction) -> None:
        await runner.run_command(interaction, "status", "")
