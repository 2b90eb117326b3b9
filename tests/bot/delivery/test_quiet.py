"""Quiet hours in the dispatcher: alerts still arrive, silently inside a chat's window, loudly outside."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import Dispatcher
from bot.transports.base import Outcome, SendResult, Target
from bot.transports.console import CHAT_ID, ConsoleTransport
from handlers.context import HandlerDeps, Message
from storage.sqlite import SqliteStore
from tests.bot.delivery.support import FAST, MemoryTransport, Renders, Request, draft, drain, no_limits

KYIV = ZoneInfo("Europe/Kyiv")
NIGHT = (23 * 60, 7 * 60)


def kyiv(hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Kyiv on a summer day (UTC+3), as the aware UTC instant.

    The day lies after any test run: the dispatcher claims the rows due by this
    same clock, and the store queues them at the real time.
    """
    return datetime(2100, 7, 4, hour, minute, tzinfo=KYIV).astimezone(UTC)


def at(moment: datetime, store: SqliteStore, transport: MemoryTransport, renders: Renders) -> Dispatcher:
    """A dispatcher whose wall clock stands at `moment` (per-chat limits off)."""
    return Dispatcher(
        store, {transport.platform: transport}, renders.renderers(), FAST,
        chat_policies={transport.platform: no_limits}, wall_clock=lambda: moment,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(str(tmp_path / "bot.db")) as s:
        yield s


async def _quiet_and_loud(store: SqliteStore) -> None:
    quiet = await store.subscribe("telegram", "quiet")
    await store.update_subscription(quiet.id, quiet=NIGHT)
    await store.subscribe("telegram", "loud")


async def test_inside_the_window_the_alert_is_silent_and_rendered_once(store: SqliteStore) -> None:
    await _quiet_and_loud(store)
    await store.ingest(draft(), notify=True)
    transport, renders = MemoryTransport(), Renders()
    await drain(at(kyiv(3, 10), store, transport, renders), store)
    assert {r.chat_id: r.silent for r in transport.sent()} == {"quiet": True, "loud": False}
    # the same payload serves silent and loud chats: one render for the one locale
    assert renders.calls == [("alert", 1, 1, "en")]
    assert {r.text for r in transport.sent()} == {"en: 100 launched (rev 1)"}


async def test_outside_the_window_every_alert_makes_a_sound(store: SqliteStore) -> None:
    await _quiet_and_loud(store)
    await store.ingest(draft(), notify=True)
    transport = MemoryTransport()
    await drain(at(kyiv(12), store, transport, Renders()), store)
    assert {r.chat_id: r.silent for r in transport.sent()} == {"quiet": False, "loud": False}


@pytest.mark.parametrize(
    ("hour", "minute", "silent"),
    [(22, 59, False), (23, 0, True), (23, 30, True), (0, 0, True), (6, 59, True), (7, 0, False)],
)
async def test_a_window_across_midnight(store: SqliteStore, hour: int, minute: int, silent: bool) -> None:
    await _quiet_and_loud(store)
    await store.ingest(draft(), notify=True)
    transport = MemoryTransport()
    await drain(at(kyiv(hour, minute), store, transport, Renders()), store)
    [sent] = transport.sent("quiet")
    assert sent.silent is silent


async def test_a_follow_up_reply_in_quiet_hours_is_silent_too(store: SqliteStore) -> None:
    await _quiet_and_loud(store)
    await store.ingest(draft(launched=100), notify=True)

    def too_old(req: Request) -> SendResult | None:
        return SendResult(Outcome.NOT_EDITABLE, error="message can't be edited") if req.kind == "edit" else None

    transport = MemoryTransport(too_old)
    d = at(kyiv(2), store, transport, Renders())
    await drain(d, store)
    await store.ingest(draft(launched=120), notify=True)
    await drain(d, store)
    replies = [r for r in transport.sent() if r.reply_to is not None]
    assert {r.chat_id: (r.silent, r.text) for r in replies} == {
        "quiet": (True, "en: 120 launched (rev 2)"),
        "loud": (False, "en: 120 launched (rev 2)"),
    }


async def test_quiet_hours_follow_the_configured_timezone(store: SqliteStore) -> None:
    await _quiet_and_loud(store)
    await store.ingest(draft(), notify=True)
    transport = MemoryTransport()
    # 21:30 UTC: 00:30 in Kyiv (quiet), but still 21:30 for a bot configured in UTC (a future day, see kyiv())
    utc_config = FAST.__class__(**{**FAST.__dict__, "timezone": ZoneInfo("UTC")})
    d = Dispatcher(
        store, {"telegram": transport}, Renders().renderers(), utc_config,
        chat_policies={"telegram": no_limits}, wall_clock=lambda: datetime(2100, 7, 3, 21, 30, tzinfo=UTC),
    )
    await drain(d, store)
    assert [r.silent for r in transport.sent("quiet")] == [False]


async def test_console_marks_a_silent_alert(store: SqliteStore, tmp_path: Path) -> None:
    out = io.StringIO()
    console = ConsoleTransport(HandlerDeps(store=store, timezone=KYIV), stdout=out, image_dir=tmp_path)
    await console.send(Target(CHAT_ID, silent=True), console.render(Message(title="Night of 4 July")))
    await console.send(Target(CHAT_ID), console.render(Message(title="Morning")))
    assert "[#1] (silent)\nNight of 4 July" in out.getvalue()
    assert "[#2]\nMorning" in out.getvalue()
