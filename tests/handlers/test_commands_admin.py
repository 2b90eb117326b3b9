"""Bot admin commands: /post with preview and buttons, /correct, /retract, /broadcast, /status."""

from __future__ import annotations

from datetime import timedelta

from handlers.context import ChatKind, HandlerDeps, Identity, Message
from handlers.ingest import ingest_summary
from storage.models import SummaryStatus
from storage.sources import SeenPost
from tests.handlers.chat import NOW, SEED_NIGHT, Chat, Wakes, text

POST = 'drones=120 missiles=4 destroyed=100 suppressed=10 regions="Kyiv, Odesa" injured=3 note="Fires in two districts"'


def _button(reply: list[Message], label: str) -> str:
    return next(b.data for b in reply[0].buttons if b.label == label)


async def test_post_previews_then_confirm_stores_and_queues(deps: HandlerDeps, wakes: Wakes) -> None:
    await Chat(deps, chat_id="500").send("subscribe", "Odesa")
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send("post", POST)
    body = text(preview)
    assert preview[0].title.startswith("Preview:")
    assert "124 (120 drones, 4 missiles)" in body
    assert "110 (88.7%)" in body and "Fires in two districts" in body
    assert [b.label for b in preview[0].buttons] == ["Confirm", "Cancel"]
    assert await deps.store.count_summaries() == 0
    done = await admin.press(_button(preview, "Confirm"))
    assert done[0].replace and "Posted as report #1." in text(done)
    assert "Alert queued for 1 chat." in text(done)
    assert wakes.count == 1
    summary = await deps.store.get_summary(1)
    assert summary is not None
    assert (summary.launched, summary.drones_launched, summary.missiles_launched) == (124, 120, 4)
    assert (summary.destroyed, summary.suppressed, summary.injured) == (100, 10, 3)
    assert set(summary.regions) == {"kyiv-city", "odesa"}
    assert {w.model for w in summary.weapons} == {"Unknown UAV", "Unknown Missile"}
    # the default period: the last 18:00 Kyiv time until now
    assert summary.period_end == NOW
    assert summary.period_start == NOW - timedelta(hours=13, minutes=30)
    queue = await deps.store.queue_stats(now=NOW)
    assert queue.pending == 1
    # pressing Confirm again does not post twice
    again = await admin.press(_button(preview, "Confirm"))
    assert "expired or was already handled" in text(again)
    assert await deps.store.count_summaries() == 1


async def test_post_cancel_stores_nothing(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send("post", "drones=10")
    reply = await admin.press(_button(preview, "Cancel"))
    assert reply[0].replace and "Cancelled: nothing was posted." in text(reply)
    assert await deps.store.count_summaries() == 0
    assert "expired" in text(await admin.press(_button(preview, "Confirm")))


async def test_post_draft_expires(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send("post", "drones=10")
    later = HandlerDeps(
        store=deps.store, timezone=deps.timezone, now=lambda: NOW + timedelta(hours=1), drafts=deps.drafts
    )
    reply = await Chat(later, bot_admin=True).press(_button(preview, "Confirm"))
    assert "expired" in text(reply)
    assert await deps.store.count_summaries() == 0


async def test_post_with_times_model_and_damage(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send(
        "post", 'missiles=6 destroyed=5 model=Kalibr start=22:00 end=05:30 hits=2 debris=4 damage="a school; power lines" source="Air Force"'
    )
    await admin.press(_button(preview, "Confirm"))
    summary = await deps.store.get_summary(1)
    assert summary is not None
    assert [w.model for w in summary.weapons] == ["Kalibr"] and summary.missiles_launched == 6
    assert summary.period_start.isoformat() == "2025-07-03T19:00:00+00:00"
    assert summary.period_end.isoformat() == "2025-07-04T02:30:00+00:00"
    assert summary.damage == ("a school", "power lines")
    assert (summary.hit_locations, summary.debris_locations, summary.source) == (2, 4, "Air Force")


async def test_post_errors_name_the_key(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    cases = {
        "drones=abc": "drones: Input should be a valid integer",
        "drones=-5": "drones: Input should be greater than or equal to 0",
        "drones=200000": "drones: Input should be less than or equal to 100000",
        "drones=10 destroyed=8 suppressed=5": "destroyed/suppressed: destroyed + suppressed (13) exceeds launched (10)",
        "drones=10 injured=lots": "injured: Input should be a valid integer",
        "drones=10 note=" + "x" * 4001: "note: String should have at most 4000 characters",
        "drones=10 start=tomorrow": "start: give a time",
        "drones=10 start=2025-07-04T06:00 end=2025-07-04T05:00": "end: period_end is before period_start",
        "drones=10 colour=red": "Unknown key “colour”",
        "drones 10": "Expected key=value",
        "destroyed=5": "Give drones= or missiles=",
        "drones=5 missiles=1 model=X": "model= names one weapon",
    }
    for args, expected in cases.items():
        reply = text(await admin.send("post", args))
        assert expected in reply, (args, reply)
        assert not any(m.buttons for m in await admin.send("post", args))
    reply = text(await admin.send("post", 'drones=5 regions="Kyiv, Atlantis"'))
    assert "Unknown region “Atlantis”" in reply
    assert "Usage: /post" in text(await admin.send("post"))
    assert await deps.store.count_summaries() == 0
    assert len(deps.drafts) == 0


async def test_admin_commands_refused_for_others(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send("post", "drones=10")
    for chat in (Chat(deps), Chat(deps, kind=ChatKind.GROUP, chat_id="-1", chat_admin=True)):
        for command, args in (("post", "drones=1"), ("correct", "1 injured=2"), ("retract", "1"), ("broadcast", "hi"), ("status", "")):
            reply = await chat.send(command, args)
            assert f"Only bot admins can use /{command}." in text(reply) and reply[0].private
        assert "Only bot admins" in text(await chat.press(_button(preview, "Confirm")))
    assert await deps.store.count_summaries() == 0
    # the draft survived the refused presses
    assert "Posted as report #1." in text(await admin.press(_button(preview, "Confirm")))


async def test_correct_makes_a_new_revision(deps: HandlerDeps, wakes: Wakes) -> None:
    await ingest_summary(deps.store, SEED_NIGHT, notify=False)
    await Chat(deps, chat_id="500").send("subscribe")
    admin = Chat(deps, bot_admin=True)
    reply = text(await admin.send("correct", "1 injured=25 killed=1"))
    assert "Report #1 corrected: revision 2." in reply and "1 alert will be updated or sent." in reply
    assert wakes.count == 1
    summary = await deps.store.get_summary(1)
    assert summary is not None
    assert (summary.revision, summary.injured, summary.killed) == (2, 25, 1)
    # weapon detail is kept when no weapon key is given
    assert [w.model for w in summary.weapons] == ["Shahed-136/131", "Iskander-M/KN-23"]
    assert "Corrected, revision 2" in text(await admin.send("summary", "1"))
    assert "nothing changed" in text(await admin.send("correct", "1 injured=25"))
    reply = text(await admin.send("correct", "1 destroyed=300"))
    assert "revision 3" in reply
    summary = await deps.store.get_summary(1)
    assert summary is not None and summary.destroyed == 300 and summary.launched == 550
    assert "drones: Input should be a valid integer" in text(await admin.send("correct", "1 drones=x"))
    assert "There is no report #9." in text(await admin.send("correct", "9 injured=1"))
    assert "Usage: /correct" in text(await admin.send("correct", "1"))


async def test_retract_withdraws_once(deps: HandlerDeps, wakes: Wakes) -> None:
    await ingest_summary(deps.store, SEED_NIGHT, notify=False)
    admin = Chat(deps, bot_admin=True)
    assert "Report #1 withdrawn" in text(await admin.send("retract", "1"))
    summary = await deps.store.get_summary(1)
    assert summary is not None and summary.status == SummaryStatus.RETRACTED
    assert "already withdrawn" in text(await admin.send("retract", "1"))
    assert "cannot be corrected" in text(await admin.send("correct", "1 injured=1"))
    assert "There is no report #5." in text(await admin.send("retract", "5"))
    assert "Give a report number" in text(await admin.send("retract", ""))


async def test_broadcast_queues_for_every_subscribed_chat(deps: HandlerDeps, wakes: Wakes) -> None:
    for chat_id in ("1", "2", "3"):
        await Chat(deps, chat_id=chat_id).send("subscribe")
    admin = Chat(deps, bot_admin=True)
    assert "Broadcast queued for 3 chats." in text(await admin.send("broadcast", "Maintenance at 02:00"))
    assert wakes.count == 1
    assert "Usage: /broadcast" in text(await admin.send("broadcast", "  "))
    uk = Chat(deps, chat_id="77", bot_admin=True, locale="uk")
    assert "Оголошення поставлено в чергу для 3 чатів." in text(await uk.send("broadcast", "Тест"))


async def test_status_shows_subscriptions_and_queue(deps: HandlerDeps) -> None:
    await Chat(deps, chat_id="1").send("subscribe")
    await Chat(deps, chat_id="2", platform="discord").send("subscribe")
    await ingest_summary(deps.store, SEED_NIGHT, notify=True)
    status = (await Chat(deps, bot_admin=True).send("status"))[0]
    fields = dict(status.fields)
    assert fields["Subscriptions"] == "2 (discord 1, telegram 1)"
    assert fields["Queue"].startswith("2 pending")
    assert fields["Dead deliveries"] == "0"
    assert fields["Last error"] == "none"


async def test_status_lists_each_followed_source(deps: HandlerDeps) -> None:
    channel, feed, later = "https://t.me/s/kpszsu", "https://news.example.org/feed.xml", "https://example.org/new.xml"
    ok_at = NOW - timedelta(hours=2)
    for url in (channel, feed):
        await deps.store.lease_source(url, holder="p", now=ok_at, seconds=60)
        await deps.store.source_succeeded(url, etag=None, last_modified=None, now=ok_at)
    for n in (1, 2):
        await deps.store.save_source_post(channel, SeenPost(f"kpszsu/{n}", "h", f"{n:012d}", True), now=ok_at)
    await deps.store.source_failed(feed, "HTTP 500", now=NOW - timedelta(minutes=5))
    deps.sources = (channel, feed, later)
    fields = dict((await Chat(deps, bot_admin=True).send("status"))[0].fields)
    assert fields[channel].startswith("ok · last success ")
    assert fields[channel].endswith(" · 2 posts seen")
    assert fields[feed].startswith("failing · last success ")
    assert ": HTTP 500 · 0 posts seen" in fields[feed]
    assert fields[later] == "not polled yet · no success yet · 0 posts seen"
    uk = dict((await Chat(deps, bot_admin=True, locale="uk").send("status"))[0].fields)
    assert uk[channel].startswith("працює · останній успіх ") and uk[channel].endswith("2 дописи переглянуто")
    # with none configured, every source the store knows is listed
    deps.sources = ()
    assert [k for k in dict((await Chat(deps, bot_admin=True).send("status"))[0].fields) if k.startswith("http")] == [
        feed,
        channel,
    ]


async def test_correct_a_summary_that_had_no_external_id(deps: HandlerDeps) -> None:
    anonymous = {k: v for k, v in SEED_NIGHT.items() if k != "external_id"}
    await ingest_summary(deps.store, anonymous, notify=False)
    admin = Chat(deps, bot_admin=True)
    assert "Report #1 corrected: revision 2." in text(await admin.send("correct", "1 hits=9"))
    assert "revision 3" in text(await admin.send("correct", "1 hits=10"))
    assert await deps.store.count_summaries() == 1
    summary = await deps.store.get_summary(1)
    assert summary is not None and summary.hit_locations == 10 and summary.external_id


async def test_correct_history_kept_as_reported(deps: HandlerDeps) -> None:
    # the CSV keeps history as reported, even when destroyed + suppressed exceeds launched
    reported = SEED_NIGHT | {"weapons": [{"model": "Shahed-136/131", "launched": 10, "destroyed": 8, "suppressed": 6}]}
    await ingest_summary(deps.store, reported, notify=False)
    admin = Chat(deps, bot_admin=True)
    assert "Report #1 corrected: revision 2." in text(await admin.send("correct", "1 injured=25"))
    summary = await deps.store.get_summary(1)
    assert summary is not None and (summary.injured, summary.destroyed, summary.suppressed) == (25, 8, 6)
    # changing the weapon figures still has to add up
    assert "exceeds launched" in text(await admin.send("correct", "1 destroyed=20"))
    assert "revision 3" in text(await admin.send("correct", "1 destroyed=4"))


async def test_only_the_author_of_a_draft_may_confirm_it(deps: HandlerDeps) -> None:
    author = Chat(deps, kind=ChatKind.GROUP, chat_id="-5", bot_admin=True)
    preview = await author.send("post", "drones=10")
    other = Chat(deps, kind=ChatKind.GROUP, chat_id="-5", bot_admin=True, user=Identity("telegram", "2", "Taras"))
    for label in ("Confirm", "Cancel"):
        refused = await other.press(_button(preview, label))
        assert "Only the admin who sent this /post" in text(refused)
        assert refused[0].private and not refused[0].replace
    assert await deps.store.count_summaries() == 0
    # the refused presses did not use the draft up
    assert "Posted as report #1." in text(await author.press(_button(preview, "Confirm")))


async def test_usage_is_printed_once(deps: HandlerDeps) -> None:
    await ingest_summary(deps.store, SEED_NIGHT, notify=False)
    cases = (("correct", "1"), ("post", ""), ("broadcast", " "), ("subscribe", "colour=red"))
    for chat, word in ((Chat(deps, bot_admin=True), "Usage:"), (Chat(deps, chat_id="9", bot_admin=True, locale="uk"), "Використання:")):
        for command, args in cases:
            reply = text(await chat.send(command, args))
            assert reply.count(word) == 1 and f"{word} /{command}" in reply, reply


async def test_post_without_destroyed_says_neutralized_is_unknown(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    [preview] = await admin.send("post", "drones=10")
    assert dict(preview.fields)["Neutralized"] == "unknown"
    [given] = await admin.send("post", "drones=10 destroyed=0")
    assert dict(given.fields)["Neutralized"] == "0 (0.0%)"
    [uk] = await Chat(deps, chat_id="9", bot_admin=True, locale="uk").send("post", "missiles=3")
    assert dict(uk.fields)["Знешкоджено"] == "невідомо"
