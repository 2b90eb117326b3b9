"""The attack's period from a report's dates and times, in Kyiv time.

The Air Force names the night by the morning's date (`У ніч на 3 липня`),
puts the start in brackets (`з 18:00 2 липня`) and the end as the time its
figures hold (`станом на 08:30`). The press says `overnight`, `late
Thursday`, `the night of July 3-4`. A date without a year, a weekday and
`overnight` resolve against the publication time (`published`), else the
latest date the text names, else now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

UK_MONTHS = ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня")
EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_EN_SHORT = {m[:3]: i + 1 for i, m in enumerate(EN_MONTHS)} | {"sept": 9}
_MONTH = "|".join(UK_MONTHS + EN_MONTHS) + r"|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_WEEKDAYS: dict[str, int] = {}
for _i, _forms in enumerate(
    (
        ("monday", "понеділок", "понеділка"),
        ("tuesday", "вівторок", "вівторка"),
        ("wednesday", "середа", "середу", "середи"),
        ("thursday", "четвер", "четверга"),
        ("friday", "п'ятниця", "п'ятницю", "п'ятниці"),
        ("saturday", "субота", "суботу", "суботи"),
        ("sunday", "неділя", "неділю", "неділі"),
    )
):
    for _form in _forms:
        _WEEKDAYS[_form] = _i
del _i, _forms, _form
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_TIME = r"([01]?\d|2[0-3]):([0-5]\d)"
_DAY_MONTH = rf"(\d{{1,2}})\s+({_MONTH})(?:\s+(\d{{4}}))?"
_MONTH_DAY = rf"({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"

_AMPM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.m\.|p\.m\.|am\b|pm\b)")
_NIGHT_UK = re.compile(rf"(?:у|в|уночі|вночі)\s+ніч\s+(?:з\s+(\d{{1,2}})\s+)?(?:на|проти)\s+{_DAY_MONTH}")
_NIGHT_UK_WEEKDAY = re.compile(rf"(?:у|в)\s+ніч\s+(?:на|проти)\s+({_WEEKDAY})\b")
_NIGHT_EN = re.compile(
    rf"night\s+of\s+(?:{_MONTH_DAY}|(\d{{1,2}})(?:\s*(?:-|to|into)\s*(\d{{1,2}}))?\s+({_MONTH}))(?:\s*(?:-|to|into)\s*(?:({_MONTH})\s+)?(\d{{1,2}}))?"
)
_OVERNIGHT_ON = re.compile(rf"overnight\s+(?:on|into|to)\s+(?:{_MONTH_DAY}|({_WEEKDAY})\b)")
_START = re.compile(rf"(?:\(|\b)(?:з|із|from|since)\s+{_TIME}(?:\s+(?:on\s+)?(?:{_DAY_MONTH}|{_MONTH_DAY}))?")
_END = re.compile(rf"\b(?:до|until|till|to)\s+{_TIME}(?:\s+(?:on\s+)?(?:{_DAY_MONTH}|{_MONTH_DAY}))?")
_AS_OF = re.compile(rf"(?:станом\s+на|as\s+of)\s+{_TIME}")
_LATE_WEEKDAY = re.compile(rf"(?:\blate\s+(?:on\s+)?({_WEEKDAY})\b|\b({_WEEKDAY})\s+(?:night|evening)\b)")
# `on Wednesday`, `у середу`: a night attack reported that day is the night into it
_ON_WEEKDAY = re.compile(rf"\b(?:on|early\s+on|early|у|в)\s+({_WEEKDAY})\b")
_OVERNIGHT = re.compile(r"\b(?:overnight|last night|tonight|this night|вночі|уночі|цієї ночі|минулої ночі|нічна атака)\b")
_DATE = re.compile(rf"(?<![\d.:]){_DAY_MONTH}|{_MONTH_DAY}|(?<![\d.])(\d{{2}})\.(\d{{2}})\.(\d{{4}})(?![\d])")

EVENING = time(18, 0)
MORNING = time(9, 0)


@dataclass
class Period:
    """The attack's period and what had to be assumed to get it."""

    start: datetime
    end: datetime
    warnings: list[str] = field(default_factory=list)


def _month(name: str) -> int:
    name = name.rstrip(".")
    if name in UK_MONTHS:
        return UK_MONTHS.index(name) + 1
    if name in EN_MONTHS:
        return EN_MONTHS.index(name) + 1
    return _EN_SHORT[name[:4] if name.startswith("sept") else name[:3]]


def _on_or_before(day: int, month: int, year: str | None, ref: date) -> date | None:
    """The date with that day and month: its stated year, else the latest one not after `ref` (+2 days)."""
    if year:
        try:
            return date(int(year), month, day)
        except ValueError:
            return None
    limit = ref + timedelta(days=2)
    for y in (limit.year, limit.year - 1, limit.year - 2):
        try:
            candidate = date(y, month, day)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate
    return None


def _weekday_on_or_before(name: str, ref: date) -> date:
    back = (ref.weekday() - _WEEKDAYS[name]) % 7
    return ref - timedelta(days=back)


def _date_from(groups: tuple[str | None, ...], ref: date) -> date | None:
    """A date from (day, month, year) or (month, day, year) regex groups, whichever matched."""
    uk_day, uk_month, uk_year, en_month, en_day, en_year = groups
    if uk_day and uk_month:
        return _on_or_before(int(uk_day), _month(uk_month), uk_year, ref)
    if en_month and en_day:
        return _on_or_before(int(en_day), _month(en_month), en_year, ref)
    return None


def _text_reference(text: str, now: datetime) -> date | None:
    """The latest date the text names (the publication date, as far as the text tells)."""
    found: list[date] = []
    for m in _DATE.finditer(text):
        g = m.groups()
        d: date | None
        if g[6]:
            try:
                d = date(int(g[8]), int(g[7]), int(g[6]))
            except ValueError:
                d = None
        else:
            d = _date_from(g[:6], now.date())
        if d is not None:
            found.append(d)
    return max(found) if found else None


def _fmt(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def find_period(text: str, published: datetime | None, tz: tzinfo, now: datetime) -> Period:
    """The period a report covers; `text` is lower case with number words as digits."""
    text = _AMPM.sub(_to_24h, text)
    warnings: list[str] = []
    if published is not None:
        ref_dt = published.astimezone(tz) if published.tzinfo else published.replace(tzinfo=tz)
        ref_has_time = True
    else:
        from_text = _text_reference(text, now.astimezone(tz))
        if from_text is not None:
            ref_dt = datetime.combine(from_text, MORNING, tz)
            ref_has_time = False
        else:
            ref_dt = now.astimezone(tz)
            ref_has_time = True
    ref = ref_dt.date()

    end_date: date | None = None
    start_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    night_named = False

    m = _NIGHT_UK.search(text)
    if m:
        end_date = _on_or_before(int(m.group(2)), _month(m.group(3)), m.group(4), ref)
        if m.group(1) and end_date is not None:
            start_date = _on_or_before(int(m.group(1)), end_date.month, None, end_date)
        night_named = True
    elif (m := _NIGHT_UK_WEEKDAY.search(text)) is not None:
        end_date = _weekday_on_or_before(m.group(1), ref)
        night_named = True
    elif (m := _NIGHT_EN.search(text)) is not None:
        g = m.groups()
        first = _date_from((None, None, None, g[0], g[1], g[2]), ref) if g[0] else None
        if first is None and g[3]:
            first = _on_or_before(int(g[3]), _month(g[5]), None, ref)
        second_day = g[4] or g[7]
        if first is not None:
            start_date = first
            if second_day:
                month = _month(g[6]) if g[6] else first.month
                end_date = _on_or_before(int(second_day), month, str(first.year), ref) or first + timedelta(days=1)
            else:
                end_date = first + timedelta(days=1)
        night_named = True
    elif (m := _OVERNIGHT_ON.search(text)) is not None:
        g = m.groups()
        end_date = _weekday_on_or_before(g[3], ref) if g[3] else _date_from((None, None, None, g[0], g[1], g[2]), ref)
        night_named = end_date is not None
    elif (m := _LATE_WEEKDAY.search(text)) is not None:
        start_date = _weekday_on_or_before(m.group(1) or m.group(2), ref)
        if start_date == ref and ref_has_time and ref_dt.time() < EVENING:
            start_date -= timedelta(days=7)
        end_date = start_date + timedelta(days=1)
        night_named = True
    elif (m := _ON_WEEKDAY.search(text)) is not None:
        end_date = _weekday_on_or_before(m.group(1), ref)
        night_named = True

    if (m := _START.search(text)) is not None:
        start_time = time(int(m.group(1)), int(m.group(2)))
        named = _date_from(m.groups()[2:8], end_date or ref)
        if named is not None:
            start_date = named
    if (m := _END.search(text)) is not None:
        end_time = time(int(m.group(1)), int(m.group(2)))
        named = _date_from(m.groups()[2:8], ref)
        if named is not None:
            end_date = named
    if end_time is None and (m := _AS_OF.search(text)) is not None:
        end_time = time(int(m.group(1)), int(m.group(2)))

    if not night_named and start_time is None and end_time is None and start_date is None and end_date is None:
        start = datetime.combine(ref - timedelta(days=1), EVENING, tz)
        end = ref_dt if ref_has_time else datetime.combine(ref, MORNING, tz)
        if end < start:
            end = start
        said = "'overnight'" if _OVERNIGHT.search(text) else "the text names no period"
        until = "publication" if published is not None else ("the date it names" if not ref_has_time else "now")
        warnings.append(f"period: {said}; took the night before {until}: {_fmt(start)} to {_fmt(end)}")
        return Period(start, end, warnings)

    if end_date is None:
        if start_date is not None:
            end_date = start_date + timedelta(days=1) if (start_time or EVENING) >= time(12) else start_date
        else:
            end_date = ref
    if start_date is None:
        early = start_time is not None and start_time < time(12) and (end_time is None or start_time <= end_time)
        start_date = end_date if early else end_date - timedelta(days=1)
    if start_time is None:
        start_time = EVENING
        warnings.append(f"period: no start time stated; took {start_date:%Y-%m-%d} 18:00")
    start = datetime.combine(start_date, start_time, tz)
    if end_time is not None:
        end = datetime.combine(end_date, end_time, tz)
    elif published is not None and ref == end_date and ref_dt >= start:
        end = ref_dt
        warnings.append(f"period: no end time stated; took the publication time {_fmt(end)}")
    else:
        end = datetime.combine(end_date, MORNING, tz)
        warnings.append(f"period: no end time stated; took {_fmt(end)}")
    if end < start:
        warnings.append(f"period: the end ({_fmt(end)}) is before the start ({_fmt(start)}); took the start for both")
        end = start
    return Period(start, end, warnings)


def _to_24h(m: re.Match[str]) -> str:
    hour = int(m.group(1)) % 12
    if m.group(3).startswith("p"):
        hour += 12
    return f"{hour:02d}:{m.group(2) or '00'}"
