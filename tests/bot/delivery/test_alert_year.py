"""Pushed alerts read at the dispatcher's wall clock: a report from another year shows its year."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import Dispatcher, Renderers
from bot.delivery.plan import Plan, plan_job
from bot.delivery.render import RenderCache
from handlers.context import Message
from storage.models import SummaryDraft, WeaponCategory, WeaponTally
from storage.sqlite import SqliteStore
from tests.bot.delivery.support import FAST, MemoryTransport, drain, no_limits

KYIV = ZoneInfo("Europe/Kyiv")
# the wall clock is pinned after the real one (rows queued now are due) in the January after this year
PINNED = datetime(datetime.now(UTC).year + 1, 1, 10, 9, tzinfo=UTC)
LAST_YEAR = PINNED.year - 1


class WholeTextTransport(MemoryTransport):
    """The in-memory platform showing the title and every line (the period line carries the dates)."""

    def render(self, message: Message) -> str:
        return "\n".join([message.title, *message.lines])


def night(launched: int) -> SummaryDraft:
    """A December night of last year (as the pinned clock reads it)."""
    return SummaryDraft(
        external_id="december-night",
        period_start=datetime(LAST_YEAR, 12, 3, 16, tzinfo=UTC),
        period_end=datetime(LAST_YEAR, 12, 4, 5, tzinfo=UTC),
        weapons=(WeaponTally(model="Shahed-136/131", category=WeaponCategory.DRONE, launched=launched, destroyed=1),),
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(str(tmp_path / "bot.db")) as s:
        yield s


async def test_a_correction_of_last_years_report_shows_the_year(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    transport = WholeTextTransport()
    d = Dispatcher(store, {"telegram": transport}, Renderers.from_handlers(), replace(FAST, timezone=KYIV),
                   chat_policies={"telegram": no_limits}, wall_clock=lambda: PINNED)
    await store.ingest(night(100), notify=True)
    await drain(d, store)
    await store.ingest(night(120), notify=True)
    await drain(d, store)
    (edit,) = transport.edits()
    assert "Corrected, revision 2" in edit.text
    assert f"From Dec 3, {LAST_YEAR} 18:00 to Dec 4, {LAST_YEAR} 07:00 (Europe/Kyiv)" in edit.text
    (sent,) = transport.sent()
    assert f"From Dec 3, {LAST_YEAR} 18:00" in sent.text


async def test_a_cached_alert_does_not_outlive_the_year_it_was_rendered_in(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    await store.ingest(night(100), notify=True)
    (job,) = await store.claim_deliveries(now=PINNED, limit=1, lease_seconds=60)
    transport, cache = WholeTextTransport(), RenderCache()
    on_new_years_eve = datetime(LAST_YEAR, 12, 31, 12, tzinfo=UTC)
    first = plan_job(job, transport, Renderers.from_handlers(), cache, KYIV, now=on_new_years_eve)
    second = plan_job(job, transport, Renderers.from_handlers(), cache, KYIV, now=PINNED)
    assert isinstance(first, Plan) and isinstance(second, Plan)
    assert "From Dec 3 18:00 to Dec 4 07:00" in first.payload
    assert f"From Dec 3, {LAST_YEAR} 18:00 to Dec 4, {LAST_YEAR} 07:00" in second.payload
