"""/chart [7d|30d|90d|365d] [region]: launches per day as a picture, or as a table without a drawer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.charts_spec import ChartSeries, ChartSpec, SeriesKind
from handlers.commands.base import Call, split_args, take_window
from handlers.commands.empty_window import point_to_latest
from handlers.commands.regions import one_region
from handlers.context import Image, Message
from handlers.i18n import N_, Translator
from handlers.render.common import launched_phrase, neutralized_phrase, region_names
from handlers.render.dates import Dates
from storage.models import DayTotal

log = logging.getLogger(__name__)

CHART_DEFAULT = "30d"
CHART_WINDOWS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
CHART_TITLES: dict[str, str] = {
    "7d": N_("last 7 days"),
    "30d": N_("last 30 days"),
    "90d": N_("last 90 days"),
    "365d": N_("last 365 days"),
}
# windows /stats knows but a per-day chart does not; named so the reply can list the valid ones
_OTHER_WINDOWS = ("24h", "all")
# the text table lists at most this many days (a month of nights)
TABLE_ROWS = 31


@dataclass(frozen=True)
class ChartWindow:
    """The local calendar days a chart covers (today included) and the instants bounding them."""

    days: tuple[date, ...]
    since: datetime
    until: datetime


def chart_window(now: datetime, tz: ZoneInfo, n_days: int) -> ChartWindow:
    """The last `n_days` calendar days in `tz`, from the first one's midnight until `now`."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=n_days - 1)
    days = tuple(first + timedelta(days=i) for i in range(n_days))
    return ChartWindow(days, datetime.combine(first, time(), tz), now)


@dataclass
class Totals:
    """Per-day columns (zeros for days without reports) and their sums."""

    drones: list[int]
    missiles: list[int]
    neutralized: list[int]
    launched: list[int]
    summaries: int = 0

    @classmethod
    def from_days(cls, window: ChartWindow, rows: list[DayTotal]) -> Totals:
        """Spread the store's rows over the window's days."""
        n = len(window.days)
        out = cls([0] * n, [0] * n, [0] * n, [0] * n)
        for row in rows:
            # a fixed UTC offset can put a report an hour outside the local days around a DST
            # change; keep it on the nearest edge day so the bars add up to the caption
            i = min(max((date.fromisoformat(row.day) - window.days[0]).days, 0), n - 1)
            out.drones[i] += row.drones_launched
            out.missiles[i] += row.missiles_launched
            out.neutralized[i] += row.neutralized
            out.launched[i] += row.launched
            out.summaries += row.summaries
        return out


def _parse(call: Call) -> tuple[str, str | None]:
    words = split_args(call)
    window = take_window(call, words, CHART_WINDOWS, CHART_DEFAULT, refuse=_OTHER_WINDOWS)
    return window, one_region(call, words)


def caption(tr: Translator, totals: Totals) -> str:
    """One line with the window's totals."""
    launched = sum(totals.launched)
    if not totals.summaries:
        return tr._("No reports in this period.")
    neutralized = sum(totals.neutralized)
    rate = neutralized / launched if launched else None
    return tr._(
        "Launched {launched}; neutralized {neutralized}; reports: {reports}",
        launched=launched_phrase(tr, launched, sum(totals.drones), sum(totals.missiles)),
        neutralized=neutralized_phrase(tr, neutralized, rate, 0, 0),
        reports=tr.number(totals.summaries),
    )


def table(dates: Dates, window: ChartWindow, totals: Totals) -> list[str]:
    """Days with reports, newest first, at most TABLE_ROWS of them."""
    tr = dates.tr
    rows = []
    for i in reversed(range(len(window.days))):
        if totals.launched[i] or totals.neutralized[i]:
            rows.append(
                tr._(
                    "{day}: {launched} launched, {neutralized} neutralized",
                    day=dates.day(window.days[i]),
                    launched=launched_phrase(tr, totals.launched[i], totals.drones[i], totals.missiles[i]),
                    neutralized=tr.number(totals.neutralized[i]),
                )
            )
    if len(rows) > TABLE_ROWS:
        rest = len(rows) - TABLE_ROWS
        rows = [*rows[:TABLE_ROWS], tr.ngettext("… and {n} earlier day", "… and {n} earlier days", rest)]
    return rows


def chart_spec(dates: Dates, title: str, window: ChartWindow, totals: Totals) -> ChartSpec:
    """Drones and missiles stacked per day, neutralized as a line, every text translated.

    The picture may travel without the message: its title names the days.
    """
    tr, tz = dates.tr, dates.tz
    return ChartSpec(
        days=tuple(dates.day(d) for d in window.days),
        series=(
            ChartSeries(tr._("Drones"), tuple(totals.drones)),
            ChartSeries(tr._("Missiles"), tuple(totals.missiles)),
            ChartSeries(tr._("Neutralized"), tuple(totals.neutralized), SeriesKind.LINE),
        ),
        title=f"{title} · {dates.span(window.days[0], window.days[-1])}",
        x_label=tr._("Day ({zone})", zone=tz.key),
        y_label=tr._("Number per day"),
    )


async def cmd_chart(call: Call) -> list[Message]:
    """/chart [7d|30d|90d|365d] [region]: per-day launches and neutralized over a window."""
    tr, deps = call.tr, call.deps
    window_key, region = _parse(call)
    now = deps.now()
    window = chart_window(now, deps.timezone, CHART_WINDOWS[window_key])
    offset = window.until.astimezone(deps.timezone).utcoffset() or timedelta()
    rows = await deps.store.daily_series(
        since=window.since, until=window.until, region=region, utc_offset_minutes=int(offset.total_seconds() // 60)
    )
    totals = Totals.from_days(window, rows)
    title = tr._("Launches per day: {window}", window=tr._(CHART_TITLES[window_key]))
    if region:
        title += f" · {region_names([region], call.locale)[0]}"
    msg = Message(
        title=title,
        lines=[caption(tr, totals)],
        # no brackets: transports that bracket the footer would nest them
        footer=tr._(
            "{days}, {zone} time", days=tr.day_span(window.days[0], window.days[-1]), zone=deps.timezone.key
        ),
    )
    if not totals.summaries:
        starts: dict[str, datetime | None] = {
            key: chart_window(now, deps.timezone, n_days).since for key, n_days in CHART_WINDOWS.items()
        }
        await point_to_latest(call, msg, "chart", starts, region)
        return [msg]
    dates = Dates.as_of(tr, deps.timezone, now)
    if deps.chart is not None:
        try:
            png = await deps.chart(chart_spec(dates, title, window, totals))
        except Exception:
            # the figures are still worth having: fall through to the table
            log.exception("chart could not be drawn")
        else:
            msg.image = Image(png, f"chart-{window_key}.png")
            return [msg]
    msg.lines += ["", *table(dates, window, totals)]
    return [msg]
