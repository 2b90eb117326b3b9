"""Short dates as a reader sees them today: the year is written whenever it is not the current one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.i18n import Translator


@dataclass(frozen=True)
class Dates:
    """Short dates and moments in one locale and zone, relative to one current year."""

    tr: Translator
    tz: ZoneInfo
    current_year: int

    @classmethod
    def as_of(cls, tr: Translator, tz: ZoneInfo, now: datetime) -> Dates:
        """Dates read at `now` (the injected clock's time), in the zone's calendar."""
        return cls(tr, tz, now.astimezone(tz).year)

    def _local(self, when: date | datetime) -> date:
        return when.astimezone(self.tz).date() if isinstance(when, datetime) else when

    def _year_shown(self, *days: date) -> bool:
        return any(day.year != self.current_year for day in days)

    def day(self, when: date | datetime) -> str:
        """`Jul 4` this year, `Jul 4, 2025` in another."""
        local = self._local(when)
        return self.tr.short_day(local, year=self._year_shown(local))

    def span(self, start: date | datetime, end: date | datetime) -> str:
        """`Jul 3 – 4` this year (one day: `Jul 4`); the year once either end is in another."""
        first, last = self._local(start), self._local(end)
        return self.tr.short_span(first, last, year=self._year_shown(first, last))

    def moment(self, when: datetime) -> str:
        """`Jul 4 07:30` this year, `Jul 4, 2025 07:30` in another."""
        return self.tr.moment(when, self.tz, year=self._year_shown(self._local(when)))
