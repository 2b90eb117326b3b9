"""Translations: Ukrainian plural forms, per-locale numbers and dates, complete catalogs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import handlers
from bot.delivery.render import Renderers
from handlers.i18n import SUPPORTED_LOCALES, normalize_locale, translator

HANDLERS_DIR = Path(handlers.__file__).parent


@pytest.mark.parametrize(
    ("n", "drones", "missiles"),
    [
        (1, "1 дрон", "1 ракета"),
        (2, "2 дрони", "2 ракети"),
        (4, "4 дрони", "4 ракети"),
        (5, "5 дронів", "5 ракет"),
        (11, "11 дронів", "11 ракет"),
        (12, "12 дронів", "12 ракет"),
        (21, "21 дрон", "21 ракета"),
        (22, "22 дрони", "22 ракети"),
        (111, "111 дронів", "111 ракет"),
        (539, "539 дронів", "539 ракет"),
    ],
)
def test_ukrainian_plural_forms(n: int, drones: str, missiles: str) -> None:
    tr = translator("uk")
    assert tr.ngettext("{n} drone", "{n} drones", n) == drones
    assert tr.ngettext("{n} missile", "{n} missiles", n) == missiles


def test_english_plural_forms() -> None:
    tr = translator("en")
    assert tr.ngettext("{n} drone", "{n} drones", 1) == "1 drone"
    assert tr.ngettext("{n} drone", "{n} drones", 21) == "21 drones"


def test_numbers_and_percentages_per_locale() -> None:
    assert translator("en").number(1234) == "1,234"
    # CLDR groups Ukrainian thousands with a no-break space
    assert translator("uk").number(1234) == "1\u00a0234"
    assert translator("en").percent(0.8691) == "86.9%"
    assert translator("uk").percent(0.8691).startswith("86,9")
    # the thousands separator also appears inside plural phrases
    assert translator("uk").ngettext("{n} drone", "{n} drones", 1234) == "1\u00a0234 дрони"


def test_dates_per_locale() -> None:
    assert translator("en").day(date(2025, 7, 4)) == "July 4, 2025"
    assert translator("uk").day(date(2025, 7, 4)).startswith("4 липня 2025")


def test_locale_names_are_normalised() -> None:
    assert normalize_locale("uk-UA") == "uk"
    assert normalize_locale("UK") == "uk"
    assert normalize_locale("de") == "en"
    assert normalize_locale(None, "uk") == "uk"
    assert translator("fr").locale == "en"


def test_every_message_in_the_code_has_a_ukrainian_translation() -> None:
    po = HANDLERS_DIR / "locales" / "uk" / "LC_MESSAGES" / "strikebot.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="uk")
    keywords = {"_": None, "ngettext": (1, 2), "N_": None}
    used = {
        msg
        for _, _, msg, _, _ in extract_from_dir(
            str(HANDLERS_DIR), method_map=[("**.py", "python")], keywords=keywords
        )
    }
    assert used
    missing = []
    for msg in used:
        key = msg[0] if isinstance(msg, tuple) else msg
        entry = catalog.get(key)
        strings = entry.string if entry else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(key)
            continue
        # a translation may only use placeholders the code fills in
        source = " ".join(msg) if isinstance(msg, tuple) else msg
        target = " ".join(strings) if isinstance(strings, tuple) else strings
        allowed = set(re.findall(r"\{(\w+)\}", source)) | {"date"}
        assert set(re.findall(r"\{(\w+)\}", target)) <= allowed, key
    assert missing == []


@pytest.mark.parametrize(
    ("n", "injured", "killed"),
    [(1, "1 поранений", "1 загиблий"), (3, "3 поранені", "3 загиблі"), (12, "12 поранених", "12 загиблих"), (23, "23 поранені", "23 загиблі"), (25, "25 поранених", "25 загиблих")],
)
def test_ukrainian_casualty_forms(n: int, injured: str, killed: str) -> None:
    tr = translator("uk")
    assert tr.ngettext("{n} injured", "{n} injured", n) == injured
    assert tr.ngettext("{n} killed", "{n} killed", n) == killed


def test_the_console_button_hint_is_translated() -> None:
    hint = "type the number to press a button"
    assert translator("en")._(hint) == hint
    assert translator("uk")._(hint) == "введіть номер, щоб натиснути кнопку"



def test_preload_reads_every_catalog_before_the_first_alert() -> None:
    """The dispatcher's renderers come with every locale's catalog read: the first alert parses none."""
    translator.cache_clear()
    Renderers.from_handlers()
    assert translator.cache_info().currsize == len(SUPPORTED_LOCALES)
    misses = translator.cache_info().misses
    for locale in SUPPORTED_LOCALES:
        translator(locale)
    assert translator.cache_info().misses == misses
