"""Dispatch a CommandContext to its command and return the replies; never raises.

`COMMANDS` describes every command for the transports: Telegram's
setMyCommands and Discord's slash-command registration read names,
descriptions per locale, access and arguments from it, and Discord joins
typed option values into `ctx.args` with `handlers.commands.base.build_args`.
Button presses arrive with `ctx.command == "callback"` and the button's
data in `ctx.callback`; a button made by `empty_window.command_button`
runs a read-only command as if it had been typed.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import replace

from handlers.commands import admin, alertformat, chart, general, quiet, subscription, top
from handlers.commands.base import Access, ArgKind, ArgsError, ArgSpec, Call, CommandSpec
from handlers.commands.empty_window import button_command
from handlers.context import CommandContext, HandlerDeps, Message
from handlers.i18n import N_, normalize_locale, translator

log = logging.getLogger(__name__)

_REGION = ArgSpec("region", ArgKind.REGION, N_("a region, e.g. Kyiv or Odesa oblast"))

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", Access.EVERYONE, N_("What this bot does"), "", general.cmd_start),
    CommandSpec("help", Access.EVERYONE, N_("The commands you can use here"), "", general.cmd_help),
    CommandSpec(
        "latest", Access.EVERYONE, N_("The latest reports"), N_("[N] [region]"), general.cmd_latest,
        (ArgSpec("n", ArgKind.INT, N_("how many, 1 to 20")), _REGION),
    ),
    CommandSpec(
        "stats", Access.EVERYONE, N_("Totals over a period"), N_("[24h|7d|30d|365d|all] [region]"),
        general.cmd_stats,
        (ArgSpec("period", ArgKind.CHOICE, N_("the period (default 30d)"), choices=tuple(general.WINDOWS)), _REGION),
    ),
    CommandSpec(
        "chart", Access.EVERYONE, N_("Launches per day as a chart"), N_("[7d|30d|90d|365d] [region]"),
        chart.cmd_chart,
        (
            ArgSpec("period", ArgKind.CHOICE, N_("the period (default 30d)"), choices=tuple(chart.CHART_WINDOWS)),
            _REGION,
        ),
    ),
    CommandSpec(
        "top", Access.EVERYONE, N_("The largest attacks"), N_("[7d|30d|90d|365d|all] [region]"), top.cmd_top,
        (ArgSpec("period", ArgKind.CHOICE, N_("the period (default all)"), choices=tuple(top.TOP_WINDOWS)), _REGION),
    ),
    CommandSpec(
        "summary", Access.EVERYONE, N_("One report in full"), N_("ID"), general.cmd_summary,
        (ArgSpec("id", ArgKind.INT, N_("the report number"), required=True),),
    ),
    CommandSpec(
        "subscribe", Access.CHAT_ADMIN, N_("Get alerts in this chat"), N_("[regions…] [min=N]"),
        subscription.cmd_subscribe,
        (
            ArgSpec("regions", ArgKind.REGION, N_("regions to follow (default: all)")),
            ArgSpec("min", ArgKind.INT, N_("only attacks with at least this many launched"), keyword=True),
        ),
    ),
    CommandSpec("unsubscribe", Access.CHAT_ADMIN, N_("Stop alerts in this chat"), "", subscription.cmd_unsubscribe),
    CommandSpec("settings", Access.CHAT_ADMIN, N_("This chat's alert settings"), "", subscription.cmd_settings),
    CommandSpec(
        "mute", Access.CHAT_ADMIN, N_("Pause alerts for a while"), N_("[30m|8h|2d]"), subscription.cmd_mute,
        (ArgSpec("duration", ArgKind.TEXT, N_("how long, e.g. 30m, 8h, 2d")),),
    ),
    CommandSpec("unmute", Access.CHAT_ADMIN, N_("Resume alerts"), "", subscription.cmd_unmute),
    CommandSpec(
        "quiet", Access.CHAT_ADMIN, N_("Silent alerts during quiet hours"), N_("[HH:MM-HH:MM|off]"), quiet.cmd_quiet,
        (ArgSpec("hours", ArgKind.TEXT, N_("e.g. 23:00-07:00, or off")),),
    ),
    CommandSpec(
        "format", Access.CHAT_ADMIN, N_("Full or compact alerts"), "full|compact", alertformat.cmd_format,
        (ArgSpec("format", ArgKind.CHOICE, N_("full or compact"), choices=("full", "compact")),),
    ),
    CommandSpec(
        "lang", Access.CHAT_ADMIN, N_("Language of this chat"), "en|uk", subscription.cmd_lang,
        (ArgSpec("language", ArgKind.CHOICE, N_("en or uk"), required=True, choices=("en", "uk")),),
    ),
    CommandSpec(
        "post", Access.BOT_ADMIN, N_("Post a manual report (preview first)"), N_("key=value …"), admin.cmd_post,
        (ArgSpec("fields", ArgKind.TEXT, N_("e.g. drones=120 missiles=4 regions=\"Kyiv, Odesa\""), required=True),),
    ),
    CommandSpec(
        "correct", Access.BOT_ADMIN, N_("Correct a report"), N_("ID key=value …"), admin.cmd_correct,
        (
            ArgSpec("id", ArgKind.INT, N_("the report number"), required=True),
            ArgSpec("fields", ArgKind.TEXT, N_("e.g. injured=25"), required=True),
        ),
    ),
    CommandSpec(
        "retract", Access.BOT_ADMIN, N_("Withdraw a report"), N_("ID"), admin.cmd_retract,
        (ArgSpec("id", ArgKind.INT, N_("the report number"), required=True),),
    ),
    CommandSpec(
        "broadcast", Access.BOT_ADMIN, N_("Send an announcement to every subscribed chat"), N_("TEXT"),
        admin.cmd_broadcast,
        (ArgSpec("text", ArgKind.TEXT, N_("the announcement"), required=True),),
    ),
    CommandSpec("status", Access.BOT_ADMIN, N_("Subscriptions, delivery queue and followed sources"), "", admin.cmd_status),
)


def command_spec(name: str) -> CommandSpec | None:
    """The spec of a command by name (without the slash)."""
    return next((spec for spec in COMMANDS if spec.name == name), None)


def _command_name(raw: str) -> str:
    # Telegram groups send /stats@SomeBot; transports usually strip it, but be lenient
    return raw.strip().lstrip("/").split("@", 1)[0].lower()


async def handle(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
    """Run one command or button press; unknown input and bad arguments get a helpful reply."""
    try:
        sub = await deps.store.get_subscription(ctx.platform, ctx.chat_id, ctx.thread_id)
        locale = normalize_locale(
            sub.locale if sub is not None else (ctx.locale or deps.default_locale), deps.default_locale
        )
    except Exception:
        log.exception("could not read the chat's settings")
        sub, locale = None, normalize_locale(ctx.locale, deps.default_locale)
    call = Call(ctx, deps, locale, sub, COMMANDS)
    try:
        return await _dispatch(call)
    except Exception:
        log.exception("command /%s failed", _command_name(ctx.command))
        return call.reply(call.tr._("Something went wrong on our side; the error was logged. Please try again later."))


async def _dispatch(call: Call) -> list[Message]:
    ctx, tr = call.ctx, call.tr
    if ctx.callback is not None or ctx.command == "callback":
        return await _button(call, ctx.callback or "")
    name = _command_name(ctx.command)
    spec = command_spec(name)
    if spec is None:
        close = difflib.get_close_matches(name, [s.name for s in COMMANDS], n=1, cutoff=0.6)
        hint = tr._(" Did you mean /{name}?", name=close[0]) if close else ""
        return call.reply(tr._("Unknown command /{name}.", name=name) + hint + " " + tr._("Send /help for the list."))
    if spec.access == Access.BOT_ADMIN and not ctx.is_bot_admin:
        return call.reply(tr._("Only bot admins can use /{name}.", name=name), private=True)
    if spec.access == Access.CHAT_ADMIN and not await ctx.may_manage():
        return call.reply(
            tr._("Admin rights are needed: only this chat's admins can use /{name} here.", name=name),
            private=True,
        )
    try:
        return await spec.handler(call)
    except ArgsError as exc:
        usage = f"/{spec.name} {tr._(spec.usage)}".rstrip()
        return call.reply(str(exc), tr._("Usage: {usage}", usage=usage))


async def _button(call: Call, data: str) -> list[Message]:
    tr = call.tr
    if data.startswith((admin.CONFIRM, admin.CANCEL)):
        if not call.ctx.is_bot_admin:
            return call.reply(tr._("Only bot admins can use /{name}.", name="post"), private=True)
        return await admin.on_post_button(call, data)
    runs = button_command(data)
    if runs is not None:
        # as if typed: the same access checks and usage replies as the command
        name, args = runs
        typed = replace(call.ctx, command=name, args=args, callback=None)
        return await _dispatch(Call(typed, call.deps, call.locale, call.sub, call.commands))
    return call.reply(tr._("This button is no longer valid."), private=True)


__all__ = ["COMMANDS", "Access", "ArgKind", "ArgSpec", "CommandSpec", "command_spec", "handle", "translator"]
