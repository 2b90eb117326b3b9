"""Dispatcher behaviour against an in-memory transport: fan-out, order, retries, edits."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.transports.base import Outcome, SendResult
from storage.models import AlertFormat
from storage.sqlite import SqliteStore
from tests.bot.delivery.support import (
    FAST,
    MemoryTransport,
    Renders,
    Request,
    dispatcher,
    draft,
    drain,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(str(tmp_path / "bot.db")) as s:
        yield s


async def test_fan_out_reaches_every_chat_once_and_renders_once_per_locale(store: SqliteStore) -> None:
    for i in range(20):
        await store.subscribe("telegram", str(1000 + i), locale="uk" if i % 2 else "en")
    await store.ingest(draft(), notify=True)
    transport, renders = MemoryTransport(), Renders()
    await drain(dispatcher(store, transport, renders), store)
    assert sorted(r.chat_id for r in transport.sent()) == [str(1000 + i) for i in range(20)]
    assert sorted(renders.calls) == [("alert", 1, 1, "en"), ("alert", 1, 1, "uk")]
    assert transport.sent("1001")[0].text == "uk: 100 launched (rev 1)"


async def test_renders_once_per_locale_and_format_and_edits_compact_chats_compact(store: SqliteStore) -> None:
    # 40 chats: every combination of two locales and two formats, ten chats each
    for i in range(40):
        sub = await store.subscribe("telegram", str(2000 + i), locale="uk" if i % 2 else "en")
        if i % 4 >= 2:
            await store.update_subscription(sub.id, format=AlertFormat.COMPACT)
    outcome = await store.ingest(draft(), notify=True)
    transport, renders = MemoryTransport(), Renders()
    d = dispatcher(store, transport, renders)
    await drain(d, store)
    assert len(transport.sent()) == 40
    assert sorted(renders.calls) == [
        ("alert", 1, 1, "en"), ("alert", 1, 1, "uk"), ("compact", 1, 1, "en"), ("compact", 1, 1, "uk")]
    assert transport.sent("2002")[0].text == "en: 100 (rev 1, compact)"
    assert transport.sent("2000")[0].text == "en: 100 launched (rev 1)"
    # a correction edits compact messages with the compact rendering, still once per combination
    renders.calls.clear()
    await store.ingest(draft(launched=120), notify=True)
    await drain(d, store)
    assert sorted(renders.calls) == [
        ("alert", 1, 2, "en"), ("alert", 1, 2, "uk"), ("compact", 1, 2, "en"), ("compact", 1, 2, "uk")]
    edits = {e.chat_id: e.text for e in transport.edits()}
    assert len(edits) == 40
    assert edits["2003"] == "uk: 120 (rev 2, compact)" and edits["2001"] == "uk: 120 launched (rev 2)"
    # and a retraction turns them into the compact withdrawn text
    renders.calls.clear()
    await store.retract(outcome.id)
    await drain(d, store)
    assert sorted(renders.calls) == [
        ("compact retracted", 1, 2, "en"), ("compact retracted", 1, 2, "uk"),
        ("retracted", 1, 2, "en"), ("retracted", 1, 2, "uk")]
    withdrawn = [e for e in transport.edits() if "withdrawn" in e.text]
    assert {e.text for e in withdrawn if e.chat_id == "2002"} == {"en: withdrawn (compact)"}
    assert {e.text for e in withdrawn if e.chat_id == "2000"} == {"en: withdrawn"}
    assert len(withdrawn) == 40 and len(transport.sent()) == 40


async def test_alerts_to_one_chat_keep_ingest_order(store: SqliteStore) -> None:
    await store.subscribe("telegram", "7")
    for n in range(5):
        await store.ingest(draft(f"night-{n}", launched=10 + n), notify=True)
    transport = MemoryTransport()
    await drain(dispatcher(store, transport, Renders()), store)
    assert [r.text for r in transport.sent("7")] == [f"en: {10 + n} launched (rev 1)" for n in range(5)]


async def test_correction_edits_each_sent_message_once(store: SqliteStore) -> None:
    for i in range(5):
        await store.subscribe("telegram", str(i + 1))
    await store.ingest(draft(launched=100), notify=True)
    transport = MemoryTransport()
    d = dispatcher(store, transport, Renders())
    await drain(d, store)
    await store.ingest(draft(launched=120), notify=True)
    await drain(d, store)
    assert len(transport.sent()) == 5
    edits = transport.edits()
    assert sorted(e.chat_id for e in edits) == ["1", "2", "3", "4", "5"]
    assert {e.text for e in edits} == {"en: 120 launched (rev 2)"}
    # each edit targets the message that was sent to that chat
    sent_ids = {r.chat_id: r.message_id for r in transport.sent()}
    assert all(e.message_id == sent_ids[e.chat_id] for e in edits)


async def test_correction_before_the_send_sends_the_new_numbers_and_no_edit(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    await store.ingest(draft(launched=100), notify=True)
    await store.ingest(draft(launched=130), notify=True)
    transport = MemoryTransport()
    await drain(dispatcher(store, transport, Renders()), store)
    assert [r.text for r in transport.sent()] == ["en: 130 launched (rev 2)"]
    assert transport.edits() == []


async def test_retraction_edits_sent_messages_to_say_so(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    await store.subscribe("telegram", "2", locale="uk")
    outcome = await store.ingest(draft(), notify=True)
    transport = MemoryTransport()
    d = dispatcher(store, transport, Renders())
    await drain(d, store)
    await store.retract(outcome.id)
    await drain(d, store)
    assert sorted((e.chat_id, e.text) for e in transport.edits()) == [
        ("1", "en: withdrawn"), ("2", "uk: withdrawn")]
    assert len(transport.sent()) == 2


async def test_retry_after_waits_exactly_and_is_not_a_failed_attempt(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    await store.subscribe("telegram", "2")
    answered: list[float] = []

    def script(req: Request) -> SendResult | None:
        if req.chat_id == "1" and not answered:
            answered.append(req.at)
            return SendResult(Outcome.RETRY_AFTER, retry_after=0.4)
        return None

    await store.ingest(draft(), notify=True)
    transport = MemoryTransport(script)
    config = FAST.__class__(**{**FAST.__dict__, "max_attempts": 1})
    await drain(dispatcher(store, transport, Renders(), config), store)
    tries = [r for r in transport.requests if r.chat_id == "1"]
    assert len(tries) == 2 and len(transport.sent("1")) == 1
    assert tries[1].at - tries[0].at >= 0.4
    # max_attempts=1 and it still went out: a 429 is not a failed attempt
    assert (await store.queue_stats(now=datetime.now(UTC))).dead == 0


async def test_transient_failures_back_off_then_the_row_is_dead(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    await store.subscribe("telegram", "2")

    def script(req: Request) -> SendResult | None:
        return SendResult(Outcome.TRANSIENT, error="502 Bad Gateway") if req.chat_id == "1" else None

    await store.ingest(draft(), notify=True)
    transport = MemoryTransport(script)
    await drain(dispatcher(store, transport, Renders()), store)
    tries = [r.at for r in transport.requests if r.chat_id == "1"]
    assert len(tries) == FAST.max_attempts
    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert gaps[1] > gaps[0] * 0.6  # exponential: the second wait is about twice the first
    stats = await store.queue_stats(now=datetime.now(UTC))
    assert stats.dead == 1 and stats.last_error == "502 Bad Gateway"
    assert len(transport.sent("2")) == 1


async def test_a_transient_failure_that_recovers_is_delivered_once(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    failures = [SendResult(Outcome.TRANSIENT, error="timed out")] * 2

    def script(req: Request) -> SendResult | None:
        return failures.pop() if failures else None

    await store.ingest(draft(), notify=True)
    transport = MemoryTransport(script)
    await drain(dispatcher(store, transport, Renders()), store)
    assert len(transport.sent("1")) == 1 and len(transport.requests) == 3


async def test_blocked_chat_is_deactivated_after_one_try(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    await store.subscribe("telegram", "2")

    def script(req: Request) -> SendResult | None:
        return SendResult(Outcome.GONE, error="Forbidden: bot was blocked by the user") if req.chat_id == "1" else None

    await store.ingest(draft("a"), notify=True)
    transport = MemoryTransport(script)
    d = dispatcher(store, transport, Renders())
    await drain(d, store)
    sub = await store.get_subscription("telegram", "1")
    assert sub is not None and not sub.active
    await store.ingest(draft("b"), notify=True)
    await drain(d, store)
    assert len([r for r in transport.requests if r.chat_id == "1"]) == 1
    assert len(transport.sent("2")) == 2


async def test_migrated_group_moves_and_gets_the_alert(store: SqliteStore) -> None:
    await store.subscribe("telegram", "-100")

    def script(req: Request) -> SendResult | None:
        if req.chat_id == "-100":
            return SendResult(Outcome.MOVED, new_chat_id="-1009999", error="migrated")
        return None

    await store.ingest(draft("a"), notify=True)
    transport = MemoryTransport(script)
    d = dispatcher(store, transport, Renders())
    await drain(d, store)
    assert len(transport.sent("-1009999")) == 1
    assert await store.get_subscription("telegram", "-100") is None
    moved = await store.get_subscription("telegram", "-1009999")
    assert moved is not None and moved.active
    # the next alert goes straight to the new id
    await store.ingest(draft("b"), notify=True)
    await drain(d, store)
    assert len(transport.sent("-1009999")) == 2
    assert len([r for r in transport.requests if r.chat_id == "-100"]) == 1


async def test_message_that_cannot_be_edited_gets_a_follow_up_reply(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")

    def script(req: Request) -> SendResult | None:
        return SendResult(Outcome.NOT_EDITABLE, error="message can't be edited") if req.kind == "edit" else None

    await store.ingest(draft(launched=100), notify=True)
    transport = MemoryTransport(script)
    d = dispatcher(store, transport, Renders())
    await drain(d, store)
    await store.ingest(draft(launched=150), notify=True)
    await drain(d, store)
    first, reply = transport.sent("1")
    assert reply.reply_to == first.message_id and reply.text == "en: 150 launched (rev 2)"


async def test_the_next_correction_edits_the_reply_that_took_over_the_alert(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    first: list[str] = []

    def script(req: Request) -> SendResult | None:
        # the original message is too old to edit; any later message can be
        if req.kind == "edit" and req.message_id in first:
            return SendResult(Outcome.NOT_EDITABLE, error="message can't be edited")
        return None

    await store.ingest(draft(launched=100), notify=True)
    transport = MemoryTransport(script)
    d = dispatcher(store, transport, Renders())
    await drain(d, store)
    first.append(transport.sent("1")[0].message_id or "")
    await store.ingest(draft(launched=150), notify=True)
    await drain(d, store)
    await store.ingest(draft(launched=160), notify=True)
    await drain(d, store)
    _, reply = transport.sent("1")
    # the third revision changes the reply in place: no second reply, no edit of the stale original
    assert [(e.message_id, e.text) for e in transport.edits()][-1] == (reply.message_id, "en: 160 launched (rev 3)")
    assert len(transport.sent("1")) == 2


async def test_rejected_request_is_dead_with_the_reason(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")

    def script(req: Request) -> SendResult | None:
        return SendResult(Outcome.REJECTED, error="Bad Request: can't parse entities")

    await store.ingest(draft(), notify=True)
    transport = MemoryTransport(script)
    await drain(dispatcher(store, transport, Renders()), store)
    stats = await store.queue_stats(now=datetime.now(UTC))
    assert len(transport.requests) == 1
    assert stats.dead == 1 and stats.last_error == "Bad Request: can't parse entities"


async def test_broadcast_reaches_every_active_chat(store: SqliteStore) -> None:
    for i in range(3):
        await store.subscribe("telegram", str(i + 1))
    await store.enqueue_broadcast("Maintenance tonight", created_by="telegram:1")
    transport, renders = MemoryTransport(), Renders()
    await drain(dispatcher(store, transport, renders), store)
    assert sorted(r.text for r in transport.sent()) == ["Maintenance tonight"] * 3
    assert len(renders.calls) == 1


async def test_per_chat_limit_spaces_messages_to_one_private_chat(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    for n in range(3):
        await store.ingest(draft(f"night-{n}"), notify=True)
    transport = MemoryTransport()
    started = time.monotonic()
    await drain(dispatcher(store, transport, Renders(), chat_limits=True), store)
    times = [r.at for r in transport.sent("1")]
    assert len(times) == 3
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert time.monotonic() - started < 4.0


async def test_a_global_429_pauses_every_chat(store: SqliteStore) -> None:
    for i in range(4):
        await store.subscribe("telegram", str(i + 1))
    paused: list[float] = []

    def script(req: Request) -> SendResult | None:
        if not paused:
            paused.append(req.at)
            return SendResult(Outcome.RETRY_AFTER, retry_after=0.3, global_limit=True)
        return None

    await store.ingest(draft(), notify=True)
    transport = MemoryTransport(script, latency=0.01)
    config = FAST.__class__(**{**FAST.__dict__, "concurrency": 1})
    await drain(dispatcher(store, transport, Renders(), config), store)
    assert len(transport.sent()) == 4
    assert all(r.at >= paused[0] + 0.3 for r in transport.requests[1:])


async def test_cancelling_run_hands_back_rows_it_had_not_started(store: SqliteStore) -> None:
    for i in range(40):
        await store.subscribe("telegram", str(i + 1))
    await store.ingest(draft(), notify=True)
    transport = MemoryTransport(latency=0.05)
    config = FAST.__class__(**{**FAST.__dict__, "concurrency": 2, "lease_seconds": 1.0})
    d = dispatcher(store, transport, Renders(), config)
    task = asyncio.create_task(d.run())
    while len(transport.sent()) < 4:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stats = await store.queue_stats(now=datetime.now(UTC))
    # only what was on the wire stays leased (it may have arrived); the rest is due again at once
    assert stats.in_flight <= 2
    assert stats.due >= 40 - len(transport.sent()) - 2
    # a fresh dispatcher finishes the job once the lease of the interrupted sends is over
    await drain(dispatcher(store, transport, Renders(), config), store)
    assert sorted(int(r.chat_id) for r in transport.sent()) == list(range(1, 41))


async def test_run_wakes_at_once_on_wake(store: SqliteStore) -> None:
    await store.subscribe("telegram", "1")
    transport = MemoryTransport()
    config = FAST.__class__(**{**FAST.__dict__, "poll_interval": 30.0})
    d = dispatcher(store, transport, Renders(), config)
    task = asyncio.create_task(d.run())
    await asyncio.sleep(0.05)
    await store.ingest(draft(), notify=True)
    d.wake()
    for _ in range(100):
        if transport.sent():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(transport.sent()) == 1
