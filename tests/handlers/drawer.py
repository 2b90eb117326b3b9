"""A chart drawer for command tests that records what it was asked to draw."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.charts_spec import ChartSpec


@dataclass
class Drawer:
    """Stands in for bot/charts.py: remembers the specs it was asked to draw."""

    specs: list[ChartSpec] = field(default_factory=list)
    fail: bool = False

    async def __call__(self, spec: ChartSpec) -> bytes:
        self.specs.append(spec)
        if self.fail:
            raise RuntimeError("no fonts today")
        return b"\x89PNG\r\n\x1a\nchart"
