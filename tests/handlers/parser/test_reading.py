"""The parser's parts: text dirt, number words, periods and dates, target regions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.parser.dates import find_period
from handlers.parser.numbers import words_to_digits
from handlers.parser.regions import find_regions
from handlers.parser.text import lower, normalise, sentences

KYIV = ZoneInfo("Europe/Kyiv")
NOW = datetime(2025, 7, 10, 12, 0, tzinfo=KYIV)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("збито\u00a0 40", "збито 40"),
        ("1\u00a0200 БпЛА", "1200 БпЛА"),
        ("1,200 drones", "1200 drones"),
        ("«Бандероль» і “Shahed” та „Гербера“", '"Бандероль" і "Shahed" та "Гербера"'),
        ("п’ятьма, пʼятьма", "п'ятьма, п'ятьма"),
        ("Гвардійське – ТОТ Криму", "Гвардійське - ТОТ Криму"),
        ("станом на 08.00", "станом на 08:00"),
        ("у ніч на 03.07.2025", "у ніч на 03.07.2025"),
        ("на11 локаціях", "на 11 локаціях"),
        ("181-м ударним", "181 ударним"),
        ("⚡️ЗБИТО 5 ЦІЛЕЙ🔥", "- ЗБИТО 5 ЦІЛЕЙ"),
        ("Тримаймо небо! #ППО #Тримаймо_небо https://t.me/kpszsu/1", "Тримаймо небо!"),
        ("a\u200bb\u00adc", "abc"),
        ("\r\nрядок\r\n", "\nрядок\n"),
    ],
)
def test_normalise_removes_the_dirt(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


def test_lower_keeps_positions() -> None:
    text = "ЗБИТО İstanbul Straße"
    assert len(lower(text)) == len(text)


def test_bullets_and_wrapped_lines_stay_in_their_sentence() -> None:
    text = "Противник атакував:\n- 5 ракетами;\n- 40 БпЛА.\nЗбито 30 ударним\nБпЛА із Брянської обл. та 2 ракети.\n\nАтака триває."
    spans = sentences(text)
    assert spans.index(text.index("40 БпЛА")) == spans.index(text.index("атакував"))
    assert spans.index(text.index("2 ракети")) == spans.index(text.index("Збито"))
    assert spans.index(text.index("Атака")) != spans.index(text.index("Збито"))


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("однією ракетою, одну ракету, одна ракета, одною ракетою", "1 ракетою, 1 ракету, 1 ракета, 1 ракетою"),
        ("двома, дві, двох, двоє", "2, 2, 2, 2"),
        ("трьома, три, трьох, троє", "3, 3, 3, 3"),
        ("чотирма, чотири, четверо", "4, 4, 4"),
        ("п'ятьма, п'ять, п'ятьох", "5, 5, 5"),
        ("шістьма, шість, шести", "6, 6, 6"),
        ("сімома, сім, семи", "7, 7, 7"),
        ("вісьмома, вісім, восьми", "8, 8, 8"),
        ("дев'ятьма, десятьма, одинадцятьма, дванадцятьма", "9, 10, 11, 12"),
        ("двадцятьма п'ятьма, сорока, сто двадцять сім", "25, 40, 127"),
        ("двісті, триста сорок, тисяча двісті", "200, 340, 1200"),
        ("seven missiles, a dozen drones, two dozen", "7 missiles, 12 drones, 24"),
        ("twenty-five, one hundred and five, a hundred", "25, 105, 100"),
        ("ДВОМА РАКЕТАМИ", "2 РАКЕТАМИ"),
    ],
)
def test_number_words_become_digits(words: str, digits: str) -> None:
    assert words_to_digits(words).text == digits


def test_words_that_only_look_like_numbers_stay() -> None:
    text = "сім'я, no one was hurt, one of the largest attacks, someone"
    assert words_to_digits(text).text == text


def test_approximate_figures_are_marked_with_their_phrase() -> None:
    numbered = words_to_digits("almost 500 drones, nearly forty, близько 40, понад 100, at least 23")
    assert numbered.text == "~500 drones, ~40, ~40, ~100, ~23"
    assert sorted(numbered.approx.values()) == ["almost 500", "at least 23", "nearly 40", "близько 40", "понад 100"]


def period(text: str, published: datetime | None = None) -> tuple[str, str, list[str]]:
    found = find_period(lower(text), published, KYIV, NOW)
    return found.start.isoformat(), found.end.isoformat(), found.warnings


def test_air_force_night_and_bracketed_start() -> None:
    start, end, warnings = period("у ніч на 3 липня (з 18:00 2 липня) … станом на 08:30 збито", datetime(2025, 7, 3, 9))
    assert (start, end, warnings) == ("2025-07-02T18:00:00+03:00", "2025-07-03T08:30:00+03:00", [])


def test_explicit_range_across_a_year_boundary() -> None:
    start, end, warnings = period("з 18:00 31 грудня до 08:00 1 січня", datetime(2026, 1, 1, 9))
    assert (start, end, warnings) == ("2025-12-31T18:00:00+02:00", "2026-01-01T08:00:00+02:00", [])


def test_a_date_without_year_resolves_to_the_latest_before_publication() -> None:
    start, end, _ = period("у ніч на 30 грудня (з 18:00 29 грудня) станом на 09:00", datetime(2026, 1, 2, 10))
    assert (start, end) == ("2025-12-29T18:00:00+02:00", "2025-12-30T09:00:00+02:00")


def test_a_stated_year_wins() -> None:
    start, end, _ = period("В ніч на 15 січня 2024 р. (з 19:00 14 січня) станом на 09:00", datetime(2026, 1, 2, 10))
    assert (start, end) == ("2024-01-14T19:00:00+02:00", "2024-01-15T09:00:00+02:00")


def test_overnight_and_no_period_take_the_night_before_publication_with_a_warning() -> None:
    start, end, warnings = period("Russia launched 50 drones overnight", datetime(2025, 7, 4, 10, 15))
    assert (start, end) == ("2025-07-03T18:00:00+03:00", "2025-07-04T10:15:00+03:00")
    assert warnings and "overnight" in warnings[0]
    start, end, warnings = period("Russia launched 50 drones", datetime(2025, 7, 4, 10, 15))
    assert (start, end) == ("2025-07-03T18:00:00+03:00", "2025-07-04T10:15:00+03:00")
    assert "names no period" in warnings[0]


def test_weekdays_and_english_dates() -> None:
    # 4 July 2025 was a Friday
    assert period("late Thursday", datetime(2025, 7, 4, 10))[0] == "2025-07-03T18:00:00+03:00"
    assert period("overnight on Wednesday", datetime(2025, 7, 4, 10))[1].startswith("2025-07-02T")
    assert period("у ніч на середу", datetime(2025, 7, 4, 10))[1].startswith("2025-07-02T")
    assert period("Russia attacked Ukraine on Wednesday", datetime(2025, 7, 4, 10))[1].startswith("2025-07-02T")
    assert period("Росія атакувала у середу", datetime(2025, 7, 4, 10))[0].startswith("2025-07-01T18:00")
    start, end, _ = period("on the night of July 3-4, as of 8:30 a.m.", datetime(2025, 7, 4, 10))
    assert (start, end) == ("2025-07-03T18:00:00+03:00", "2025-07-04T08:30:00+03:00")
    start, end, _ = period("from 6 p.m. on December 31 until 7:00 on January 1", datetime(2026, 1, 1, 10))
    assert (start, end) == ("2025-12-31T18:00:00+02:00", "2026-01-01T07:00:00+02:00")


def test_without_publication_the_dates_in_the_text_are_the_reference() -> None:
    start, end, _ = period("launched late Thursday, the Air Force said on Friday, July 4, 2025")
    assert (start, end) == ("2025-07-03T18:00:00+03:00", "2025-07-04T09:00:00+03:00")


def regions(text: str) -> list[str]:
    low = lower(normalise(text))
    return find_regions(low, sentences(low))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Основні напрямки удару - Одещина, Київщина.", ["odesa", "kyiv"]),
        ("Основні напрямки удару: Харківщина та Сумщина", ["kharkiv", "sumy"]),
        ("противник атакував 5 ракетами із Брянської обл. та з напрямків: Курськ, Орел, ТОТ Криму", []),
        ("У Києві та на Київщині, у Львові, в Одесі, у Дніпрі, по Харкову, у Полтаві", ["kyiv-city", "kyiv", "lviv", "odesa", "dnipropetrovsk", "kharkiv", "poltava"]),
        ("у Харківській та Сумській областях", ["kharkiv", "sumy"]),
        ("an assault on Kyiv; drones struck the Lviv region", ["kyiv-city", "lviv"]),
        ("in the Kharkiv and Sumy regions", ["kharkiv", "sumy"]),
        ("drones were launched from Kursk and Crimea; warnings from Kyiv", []),
        ("Shelling killed five in Pokrovsk.", []),
    ],
)
def test_targets_not_launch_areas(text: str, expected: list[str]) -> None:
    assert regions(text) == expected
