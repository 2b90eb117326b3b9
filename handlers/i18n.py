"""Translations (gettext catalogs read from .po at runtime) and locale-aware formatting."""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_interval, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "uk")
DOMAIN = "strikebot"


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate it later where it is shown."""
    return message


def normalize_locale(locale: str | None, default: str = "en") -> str:
    """`uk-UA`, `uk_UA`, `UK` → `uk`; anything unsupported → the default (or `en`)."""
    if locale:
        base = locale.replace("-", "_").split("_", 1)[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default if default in SUPPORTED_LOCALES else "en"


def _load_catalog(locale: str) -> gettext.NullTranslations:
    path = resources.files("handlers").joinpath("locales", locale, "LC_MESSAGES", f"{DOMAIN}.po")
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    # compile in memory so a fresh clone needs no build step for .mo files
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class Translator:
    """Messages, plurals, numbers and dates for one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._catalog = _load_catalog(locale)

    def _(self, message: str, **values: object) -> str:
        """Translate, then fill `{name}` placeholders."""
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Translate with the locale's plural rule; `{n}` is filled with the formatted count."""
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **values)

    def number(self, n: int | float) -> str:
        """Thousands separators per locale (en 1,234; uk 1 234 with a no-break space)."""
        return format_decimal(n, locale=self.locale)

    def percent(self, fraction: float) -> str:
        """A fraction as a percentage with one decimal (0.869 → 86.9%)."""
        return format_percent(fraction, format="#,##0.0%", locale=self.locale)

    def day(self, when: date | datetime) -> str:
        """A day with the month's name and the year."""
        return format_skeleton("yMMMMd", when, locale=self.locale)

    def short_day(self, when: date | datetime, *, year: bool = False) -> str:
        """A day and abbreviated month (Jul 4), with the year when asked (Jul 4, 2025)."""
        return format_skeleton("yMMMd" if year else "MMMd", when, locale=self.locale)

    def day_span(self, start: date, end: date) -> str:
        """Two days as one interval (Jul 3 – 4, 2025)."""
        if start == end:
            return self.day(start)
        return format_interval(start, end, "yMMMd", locale=self.locale)

    def short_span(self, start: date, end: date, *, year: bool = False) -> str:
        """Two days as one interval (Jul 3 – 4), with the year when asked (Jul 3 – 4, 2025)."""
        if start == end:
            return self.short_day(start, year=year)
        return format_interval(start, end, "yMMMd" if year else "MMMd", locale=self.locale)

    def time(self, when: datetime, tz: ZoneInfo) -> str:
        """Hours and minutes in the given zone."""
        return format_datetime(when.astimezone(tz), "HH:mm", locale=self.locale)

    def moment(self, when: datetime, tz: ZoneInfo, *, year: bool = False) -> str:
        """Day, abbreviated month (and the year when asked) and time in the given zone."""
        local = when.astimezone(tz)
        return f"{self.short_day(local, year=year)} {self.time(local, tz)}"


@cache
def translator(locale: str) -> Translator:
    """The Translator for a locale (cached; unsupported locales fall back to English)."""
    return Translator(normalize_locale(locale))


def preload() -> None:
    """Read every shipped catalog and the locale data alerts are formatted with, ahead of the first alert.

    Done lazily this costs the first alert after a start about 35 ms per locale
    (parsing the catalog, unpickling Babel's data), on the way to the first chat.
    """
    first, last = date(2025, 7, 3), date(2025, 7, 4)
    for locale in SUPPORTED_LOCALES:
        tr = translator(locale)
        tr.day_span(first, last)
        tr.short_span(first, last, year=True)
        tr.moment(datetime(2025, 7, 4, 6, 0, tzinfo=ZoneInfo("UTC")), ZoneInfo("Europe/Kyiv"), year=True)
        tr.number(1234.5)
        tr.percent(0.5)
