"""PNG charts for /chart: a handlers ChartSpec drawn with matplotlib's Agg canvas.

No pyplot: every call builds its own Figure and FigureCanvasAgg, so there is no
global figure state and no GUI backend is ever chosen, which keeps drawing safe
in worker threads.
"""

from __future__ import annotations

import asyncio
import io
from collections import OrderedDict
from collections.abc import Callable, Sequence

from handlers.charts_spec import ChartSpec, SeriesKind

WIDTH_INCHES = 10.0
HEIGHT_INCHES = 5.0
DPI = 100
# at most this many day labels under the x axis; more would overlap
MAX_TICKS = 10
BAR_COLOURS = ("#e07b39", "#b5283a", "#7a5195", "#58508d")
LINE_COLOURS = ("#1f6fb2", "#2a9d8f")
# room above the tallest bar for the legend
HEADROOM = 1.18


def tick_positions(n_days: int, max_ticks: int = MAX_TICKS) -> list[int]:
    """Evenly spaced day indexes to label, always ending on the newest day."""
    if n_days <= 0:
        return []
    step = max(1, -(-n_days // max_ticks))
    return list(range(n_days - 1, -1, -step))[::-1]


def _stack(series: Sequence[Sequence[int]], n_days: int) -> list[int]:
    totals = [0] * n_days
    for values in series:
        totals = [t + v for t, v in zip(totals, values, strict=True)]
    return totals


def draw_png(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes; blocking (CPU-bound), so call it in a worker thread."""
    # imported here: the CLI and the rest of the bot should not pay matplotlib's start-up
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    n = len(spec.days)
    xs = list(range(n))
    fig = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    bars = [s for s in spec.series if s.kind == SeriesKind.BAR]
    lines = [s for s in spec.series if s.kind == SeriesKind.LINE]
    bottom = [0] * n
    for i, s in enumerate(bars):
        ax.bar(xs, s.values, bottom=bottom, width=0.8, label=s.label, color=BAR_COLOURS[i % len(BAR_COLOURS)])
        bottom = _stack([bottom, s.values], n)
    for i, s in enumerate(lines):
        ax.plot(
            xs, s.values, label=s.label, color=LINE_COLOURS[i % len(LINE_COLOURS)], linewidth=2,
            # markers make single days readable; on a year of days they only add noise
            marker="o" if n <= 31 else None, markersize=4,
        )
    peak = max([*bottom, *(v for s in lines for v in s.values), 1])
    ax.set_ylim(0, peak * HEADROOM)
    ax.set_xlim(-0.6, n - 0.4)
    ticks = tick_positions(n)
    ax.set_xticks(ticks, [spec.days[i] for i in ticks])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(spec.title)
    ax.set_xlabel(spec.x_label)
    ax.set_ylabel(spec.y_label)
    if spec.series:
        # matplotlib lists lines before bars; keep the spec's order (drones, missiles, neutralized)
        handles, drawn = ax.get_legend_handles_labels()
        by_label = dict(zip(drawn, handles, strict=True))
        labels = [s.label for s in spec.series if s.label in by_label]
        ax.legend([by_label[x] for x in labels], labels, loc="upper left", ncols=len(labels), frameon=False)
    buf = io.BytesIO()
    canvas.print_png(buf)  # type: ignore[no-untyped-call]
    return buf.getvalue()


async def render_chart_png(spec: ChartSpec) -> bytes:
    """Draw in a worker thread so the event loop keeps serving chats meanwhile."""
    return await asyncio.to_thread(draw_png, spec)


class ChartRenderer:
    """Draws charts a few at a time and remembers recent ones.

    A drawing costs a few hundred milliseconds of CPU; a group repeating /chart
    (or several groups asking for the same window) costs one drawing, and no
    number of requests can occupy more than `parallel` worker threads.
    """

    def __init__(
        self, *, cache_size: int = 32, parallel: int = 1, draw: Callable[[ChartSpec], bytes] = draw_png
    ) -> None:
        self._draw = draw
        self._cache: OrderedDict[ChartSpec, bytes] = OrderedDict()
        self._size = cache_size
        self._slots = asyncio.Semaphore(parallel)

    async def __call__(self, spec: ChartSpec) -> bytes:
        """PNG bytes for the spec, drawn in a worker thread unless drawn recently."""
        cached = self._take(spec)
        if cached is not None:
            return cached
        async with self._slots:
            # another request may have drawn the same chart while this one waited
            cached = self._take(spec)
            if cached is not None:
                return cached
            png = await asyncio.to_thread(self._draw, spec)
        self._cache[spec] = png
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return png

    def _take(self, spec: ChartSpec) -> bytes | None:
        png = self._cache.get(spec)
        if png is not None:
            self._cache.move_to_end(spec)
        return png
