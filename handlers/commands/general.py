"""Commands for everyone: /start, /help, /latest, /stats, /summary."""

from __future__ import annotations

from datetime import timedelta

from handlers.commands.base import Access, ArgsError, Call, one_id, split_args, take_window
from handlers.commands.empty_window import point_to_latest
from handlers.commands.regions import one_region
from handlers.context import Message
from handlers.i18n import N_
from handlers.render import render_alert, render_retracted
from handlers.render.common import region_names
from handlers.render.lists import render_latest, render_stats
from storage.models import SummaryStatus

LATEST_DEFAULT = 5
LATEST_MAX = 20
STATS_DEFAULT = "30d"
WINDOWS: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "365d": timedelta(days=365),
    "all": None,
}
ACCESS_HEADINGS = {
    Access.EVERYONE: N_("Everyone:"),
    Access.CHAT_ADMIN: N_("Chat admins (this chat's alerts):"),
    Access.BOT_ADMIN: N_("Bot admins:"),
}


async def allowed(call: Call, access: Access) -> bool:
    """Whether the asking user may use commands of this access level here."""
    if access == Access.EVERYONE:
        return True
    if access == Access.BOT_ADMIN:
        return call.ctx.is_bot_admin
    return await call.ctx.may_manage()


async def help_lines(call: Call) -> list[str]:
    """The commands this user may use here, grouped by who may use them."""
    tr = call.tr
    lines: list[str] = []
    for access in Access:
        if not await allowed(call, access):
            continue
        specs = [s for s in call.commands if s.access == access]
        if not specs:
            continue
        lines.append(tr._(ACCESS_HEADINGS[access]))
        for spec in specs:
            usage = f" {tr._(spec.usage)}" if spec.usage else ""
            lines.append(f"/{spec.name}{usage} — {spec.description(call.locale)}")
    return lines


async def cmd_start(call: Call) -> list[Message]:
    """Greeting and what this user can do."""
    tr = call.tr
    intro = tr._(
        "I send alerts about missile and drone attacks on Ukraine, with figures from official reports."
    )
    return [Message(title=tr._("Welcome!"), lines=[intro, "", *await help_lines(call)])]


async def cmd_help(call: Call) -> list[Message]:
    """The commands this user may use in this chat."""
    return [Message(title=call.tr._("Commands"), lines=await help_lines(call))]


def region_title(call: Call, region: str | None) -> str | None:
    """The display name of a region id in the chat's language (None for all of Ukraine)."""
    return region_names([region], call.locale)[0] if region else None


async def cmd_latest(call: Call) -> list[Message]:
    """/latest [N] [region]: the newest reports."""
    words = split_args(call)
    n = LATEST_DEFAULT
    if words and words[0].lstrip("-").isdigit():
        n = int(words.pop(0))
        if not 1 <= n <= LATEST_MAX:
            raise ArgsError(call.tr._("N must be between 1 and {max}.", max=LATEST_MAX))
    region = one_region(call, words)
    summaries = await call.deps.store.latest(n, region=region)
    return [
        render_latest(summaries, call.locale, call.deps.timezone, region_title(call, region), now=call.deps.now())
    ]


async def cmd_stats(call: Call) -> list[Message]:
    """/stats [24h|7d|30d|365d|all] [region]: totals over a window (default 30 days)."""
    words = split_args(call)
    window = take_window(call, words, WINDOWS, STATS_DEFAULT)
    region = one_region(call, words)
    now = call.deps.now()
    span = WINDOWS[window]
    stats = await call.deps.store.stats(
        since=now - span if span is not None else None, until=None if span is None else now, region=region
    )
    msg = render_stats(stats, window, call.locale, call.deps.timezone, region_title(call, region), now=now)
    if not stats.summaries:
        starts = {key: None if length is None else now - length for key, length in WINDOWS.items()}
        await point_to_latest(call, msg, "stats", starts, region)
    return [msg]


async def cmd_summary(call: Call) -> list[Message]:
    """/summary ID: one report in full."""
    summary_id = one_id(call, split_args(call), "summary")
    summary = await call.deps.store.get_summary(summary_id)
    if summary is None:
        return call.reply(call.tr._("There is no report #{id}.", id=summary_id))
    if summary.status == SummaryStatus.RETRACTED:
        return [render_retracted(summary, call.locale, call.deps.timezone)]
    return [render_alert(summary, call.locale, call.deps.timezone, now=call.deps.now())]
