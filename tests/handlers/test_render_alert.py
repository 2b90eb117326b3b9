"""The alert for a summary as subscribers read it, in English and Ukrainian."""

from __future__ import annotations

from typing import Any

from handlers.ingest import ingest_summary
from handlers.render import render_alert, render_broadcast, render_retracted
from storage.models import StrikeSummary
from storage.sqlite import SqliteStore
from tests.handlers.chat import KYIV, SEED_NIGHT, text


async def _stored(store: SqliteStore, payload: dict[str, Any]) -> StrikeSummary:
    outcome = await ingest_summary(store, payload, notify=False)
    summary = await store.get_summary(outcome.id)
    assert summary is not None
    return summary


async def test_seed_night_alert_in_english() -> None:
    async with SqliteStore(":memory:") as store:
        summary = await _stored(store, SEED_NIGHT)
    msg = render_alert(summary, "en", KYIV)
    body = text([msg])
    assert msg.launched == 550
    assert "Night of Jul 3\u2009–\u20094, 2025" in msg.title
    assert dict(msg.fields)["Launched"] == "550 (539 drones, 11 missiles)"
    assert dict(msg.fields)["Neutralized"].startswith("478 (86.9%)")
    assert "hits at 8 locations" in body
    assert "debris at 33 locations" in body
    assert "23 injured" in body
    assert "Kyiv oblast" in dict(msg.fields)["Regions"]
    assert "Source: Ukrainian Air Force" in msg.footer
    assert "From Jul 3 18:00 to Jul 4 07:00 (Europe/Kyiv)" in body
    assert "• a railway line" in msg.lines
    assert "revision" not in body


async def test_seed_night_alert_in_ukrainian() -> None:
    async with SqliteStore(":memory:") as store:
        summary = await _stored(store, SEED_NIGHT)
    msg = render_alert(summary, "uk", KYIV)
    fields = dict(msg.fields)
    assert "Ніч на 4 липня 2025" in msg.title
    assert fields["Запущено"] == "550 (539 дронів, 11 ракет)"
    assert fields["Знешкоджено"].startswith("478 (86,9%)")
    assert "влучання на 8 локаціях" in fields["Наслідки"]
    assert "уламки на 33 локаціях" in fields["Наслідки"]
    assert fields["Постраждалі"] == "23 поранені"  # 2–4 (not 12–14): nominative plural
    assert "Київська область" in fields["Регіони"]
    assert "Джерело: Ukrainian Air Force" in msg.footer


async def test_corrected_alert_shows_the_revision() -> None:
    async with SqliteStore(":memory:") as store:
        await _stored(store, SEED_NIGHT)
        summary = await _stored(store, SEED_NIGHT | {"injured": 25})
    assert summary.revision == 2
    assert "Corrected, revision 2" in text([render_alert(summary, "en", KYIV)])
    assert "Виправлено, редакція 2" in text([render_alert(summary, "uk", KYIV)])


async def test_single_day_attack_and_big_numbers() -> None:
    payload = SEED_NIGHT | {
        "period_start": "2025-07-04T10:00:00+03:00",
        "period_end": "2025-07-04T12:00:00+03:00",
        "weapons": [{"model": "Shahed-136/131", "launched": 1234, "destroyed": 1000}],
        "killed": 1,
        "injured": 0,
    }
    async with SqliteStore(":memory:") as store:
        summary = await _stored(store, payload)
    en = render_alert(summary, "en", KYIV)
    uk = render_alert(summary, "uk", KYIV)
    assert "Attack on July 4, 2025" in en.title
    assert dict(en.fields)["Launched"] == "1,234 (1,234 drones)"
    assert dict(uk.fields)["Запущено"] == "1\u00a0234 (1\u00a0234 дрони)"
    assert dict(en.fields)["Casualties"] == "1 killed"
    assert dict(uk.fields)["Постраждалі"] == "1 загиблий"


async def test_retracted_alert_says_it_was_withdrawn() -> None:
    async with SqliteStore(":memory:") as store:
        summary = await _stored(store, SEED_NIGHT)
    en = render_retracted(summary, "en", KYIV)
    uk = render_retracted(summary, "uk", KYIV)
    assert "Withdrawn" in en.title and "withdrawn" in text([en])
    assert "550" not in text([en])
    assert "Відкликано" in uk.title


def test_broadcast_is_plain_text_with_a_localised_title() -> None:
    msg = render_broadcast("Maintenance tonight <b>", "uk")
    assert msg.title.endswith("Оголошення")
    assert msg.lines == ["Maintenance tonight <b>"]
