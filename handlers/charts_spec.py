"""What a chart shows, in neutral form: handlers describe it, bot/charts.py draws it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum


class SeriesKind(StrEnum):
    """How a series is drawn."""

    BAR = "bar"  # bars of every BAR series are stacked, in order
    LINE = "line"


@dataclass(frozen=True)
class ChartSeries:
    """One named series, one value per day of the chart."""

    label: str
    values: tuple[int, ...]
    kind: SeriesKind = SeriesKind.BAR


@dataclass(frozen=True)
class ChartSpec:
    """A per-day chart with every text already translated (the drawer knows no language)."""

    # one label per day (e.g. "Jul 3"), oldest first; every series has as many values
    days: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    title: str
    x_label: str = ""
    y_label: str = ""

    def __post_init__(self) -> None:
        for s in self.series:
            if len(s.values) != len(self.days):
                raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(self.days)} days")


# PNG bytes for a spec; bot/app.py wires bot.charts.render_chart_png in
ChartRenderer = Callable[[ChartSpec], Awaitable[bytes]]
