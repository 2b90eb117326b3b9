"""Human-readable CLI output: aligned tables and short text with thousands separators."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.models import Stats, StrikeSummary
from storage.outbox import QueueStats
from storage.sources import SourceState


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def latest_table(summaries: list[StrikeSummary], tz: ZoneInfo) -> str:
    """The newest summaries as an aligned table, times in the bot's time zone."""
    if not summaries:
        return "No summaries stored."
    header = ("ID", "PERIOD END", "LAUNCHED", "DRONES", "MISSILES", "NEUTRALIZED", "RATE", "HITS", "KILLED", "INJURED", "REV")
    rows = [
        (
            str(s.id),
            s.period_end.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            _n(s.launched),
            _n(s.drones_launched),
            _n(s.missiles_launched),
            _n(s.neutralized),
            _rate(s.neutralization_rate),
            _n(s.hit_locations),
            _n(s.killed),
            _n(s.injured),
            str(s.revision),
        )
        for s in summaries
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = []
    for r in (header, *rows):
        cells = [r[0].rjust(widths[0]), r[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(r[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _split(stats: Stats) -> str:
    """'drones 1,245, missiles 37', plus bombs and unknown types as 'other' when there are any (as in the chat)."""
    parts = f"drones {_n(stats.drones_launched)}, missiles {_n(stats.missiles_launched)}"
    other = stats.launched - stats.drones_launched - stats.missiles_launched
    return parts + (f", other {_n(other)}" if other > 0 else "")


def stats_text(stats: Stats, tz: ZoneInfo) -> str:
    """Totals over a window as a few labelled lines."""

    def when(value: object) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "…"  # type: ignore[attr-defined]

    lines = [
        f"Window:        {when(stats.since)} → {when(stats.until)}"
        + (f"  region: {stats.region}" if stats.region else ""),
        f"Summaries:     {_n(stats.summaries)}",
        f"Launched:      {_n(stats.launched)}  ({_split(stats)})",
        f"Neutralized:   {_n(stats.neutralized)}  (shot down {_n(stats.destroyed)}, suppressed {_n(stats.suppressed)}"
        + (f", not split {_n(stats.unsplit)}" if stats.unsplit else "")
        + f"), rate {_rate(stats.neutralization_rate)}",
        f"Casualties:    {_n(stats.killed)} killed, {_n(stats.injured)} injured",
    ]
    if stats.largest is not None:
        lines.append(
            f"Largest:       #{stats.largest.id}, {_n(stats.largest.launched)} launched, "
            f"ending {when(stats.largest.period_end)}"
        )
    return "\n".join(lines)


def status_text(
    summaries: int,
    subscriptions: dict[str, int],
    queue: QueueStats,
    sources: list[SourceState] | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    """What `strikebot status` prints: the store, the subscriptions, the outbox and the followed sources."""
    by_platform = ", ".join(f"{p} {n:,}" for p, n in sorted(subscriptions.items())) or "none"
    lines = [
        f"Summaries:       {summaries:,}",
        f"Subscriptions:   {sum(subscriptions.values()):,} active ({by_platform})",
        f"Outbox:          {queue.pending:,} pending ({queue.due:,} due, {queue.in_flight:,} in flight), "
        f"{queue.sent_24h:,} sent in 24 h, {queue.dead:,} dead",
        f"Oldest due row:  {queue.oldest_due_age_seconds:,.0f} s",
        f"Last error:      {queue.last_error or 'none'}",
    ]
    if sources:
        lines.append("Sources:")
        lines.extend(f"  {source.url}: {_source(source, tz or ZoneInfo('UTC'))}" for source in sources)
    return "\n".join(lines)


def _source(source: SourceState, tz: ZoneInfo) -> str:
    def when(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    parts = [
        {"ok": "ok", "failing": "FAILING", "waiting": "not polled yet"}[source.health],
        f"last success {when(source.last_success)}" if source.last_success else "no success yet",
    ]
    if source.last_error and source.last_error_at:
        parts.append(f"last error {when(source.last_error_at)}: {source.last_error}")
    parts.append(f"{source.posts_seen:,} posts seen")
    return ", ".join(parts)


def source_dict(source: SourceState) -> dict[str, Any]:
    """One followed source in `status --json` (the shape /healthz lists under `sources`)."""
    return {
        "url": source.url,
        "status": source.health,
        "last_success": source.last_success.isoformat() if source.last_success else None,
        "last_error": source.last_error,
        "last_error_at": source.last_error_at.isoformat() if source.last_error_at else None,
        "posts_seen": source.posts_seen,
    }
