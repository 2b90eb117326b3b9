"""/post with a report's text: pasted after the command or replied to, parsed, previewed with warnings, keyed for revisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from handlers.context import HandlerDeps, Message, Quoted, ReportOrigin
from handlers.router import handle
from tests.handlers.chat import Chat, Wakes, text

# written for these tests in the Air Force's morning-post shape; the night before NOW (4 July 2025)
POST = """ЗБИТО/ПОДАВЛЕНО 98 ВОРОЖИХ БПЛА ТА РАКЕТ

У ніч на 4 липня (з 18:00 3 липня) противник атакував 104 засобами повітряного нападу:
▪️ 6 крилатими ракетами Х-101 з району Каспійського моря;
▪️ 98 ударними БпЛА типу Shahed, Гербера та дронами-імітаторами з напрямків: Курськ, Брянськ.
Станом на 08:30 збито/подавлено 98 цілей:
▪️ 5 крилатих ракет Х-101;
▪️ 93 ворожих БпЛА.
Зафіксовано влучання 1 ракети та 5 ударних БпЛА на 4 локаціях, падіння уламків на 2 локаціях.
Основні напрямки удару - Одещина, Київщина.

Повітряні Сили ЗС України
"""
CORRECTED = POST.replace("на 4 локаціях", "на 6 локаціях")


def _button(reply: list[Message], label: str) -> str:
    return next(b.data for b in reply[0].buttons if b.label == label)


async def _reply_to(chat: Chat, quoted: Quoted, args: str = "") -> list[Message]:
    return await handle(replace(chat.context("post", args), quoted=quoted), chat.deps)


async def test_pasted_post_previews_every_figure_then_confirm_posts(deps: HandlerDeps, wakes: Wakes) -> None:
    await Chat(deps, chat_id="500").send("subscribe", "Odesa")
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send("post", POST)
    body = text(preview)
    assert preview[0].title.startswith("Preview:")
    assert "104 (98 drones, 6 missiles)" in body
    assert "98 (94.2%)" in body
    assert "hits at 4 locations" in body and "debris at 2 locations" in body
    assert "Kyiv oblast" in body and "Odesa oblast" in body and "Kursk" not in body
    assert [b.label for b in preview[0].buttons] == ["Confirm", "Cancel"]
    assert await deps.store.count_summaries() == 0
    done = await admin.press(_button(preview, "Confirm"))
    assert "Posted as report #1." in text(done) and "Alert queued for 1 chat." in text(done)
    summary = await deps.store.get_summary(1)
    assert summary is not None
    assert summary.external_id == "strikebot/paste/ukrainian-air-force/2025-07-04"
    assert (summary.launched, summary.neutralized, summary.hit_locations) == (104, 98, 4)


async def test_the_same_text_again_is_unchanged_and_a_corrected_one_revises(deps: HandlerDeps, wakes: Wakes) -> None:
    await Chat(deps, chat_id="500").send("subscribe")
    admin = Chat(deps, bot_admin=True)
    await admin.press(_button(await admin.send("post", POST), "Confirm"))
    again = await admin.press(_button(await admin.send("post", POST), "Confirm"))
    assert "Report #1 already says that; nothing changed." in text(again)
    assert wakes.count == 1
    fixed = await admin.press(_button(await admin.send("post", CORRECTED), "Confirm"))
    assert "Report #1 corrected: revision 2." in text(fixed)
    # the first alert still waits in the queue, so it goes out with the newest revision
    assert "0 alerts will be updated or sent." in text(fixed)
    assert await deps.store.count_summaries() == 1
    summary = await deps.store.get_summary(1)
    assert summary is not None and (summary.revision, summary.hit_locations) == (2, 6)


async def test_reply_to_a_forwarded_channel_post_keeps_its_origin(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    origin = ReportOrigin("t.me/kpszsu/5120", "https://t.me/kpszsu/5120", datetime(2025, 7, 4, 6, 0, tzinfo=UTC))
    preview = await _reply_to(admin, Quoted(POST, origin))
    assert "104 (98 drones, 6 missiles)" in text(preview)
    await admin.press(_button(preview, "Confirm"))
    summary = await deps.store.get_summary(1)
    assert summary is not None
    assert (summary.external_id, summary.source_url) == ("t.me/kpszsu/5120", "https://t.me/kpszsu/5120")
    # the channel's corrected post, forwarded later, revises the same summary
    fixed = await admin.press(_button(await _reply_to(admin, Quoted(CORRECTED, origin)), "Confirm"))
    assert "Report #1 corrected: revision 2." in text(fixed)


async def test_reply_to_pasted_text_without_origin(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    preview = await _reply_to(admin, Quoted(POST))
    assert "104 (98 drones, 6 missiles)" in text(preview)
    # key=value after /post still wins over the replied-to text
    typed = await _reply_to(admin, Quoted(POST), "drones=7")
    assert "7 drones" in text(typed)


async def test_warnings_show_in_the_preview(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    news = "Russia launched almost 60 drones at Ukraine overnight, the Ukrainian Air Force said. 52 were shot down."
    body = text(await admin.send("post", news))
    assert "⚠️" in body and "60" in body


async def test_text_without_a_report_gets_one_line(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    reply = await admin.send("post", "Доброго ранку! Сьогодні тихо.")
    assert len(reply) == 1 and not reply[0].buttons
    assert reply[0].lines == [
        "No report in this text: no launched or neutralized figures (e.g. 'launched 50 drones', 'збито 40 БпЛА')."
    ]
    assert await deps.store.count_summaries() == 0


async def test_key_value_keeps_working_and_knows_neutralized(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    preview = await admin.send("post", "drones=120 missiles=4 neutralized=110")
    body = text(preview)
    assert "124 (120 drones, 4 missiles)" in body and "110 (88.7%)" in body
    await admin.press(_button(preview, "Confirm"))
    summary = await deps.store.get_summary(1)
    assert summary is not None and (summary.neutralized, summary.destroyed, summary.suppressed) == (110, 0, 0)
    refused = text(await admin.send("post", "drones=10 destroyed=6 neutralized=5"))
    assert "destroyed/suppressed/neutralized" in refused and "exceeds launched (10)" in refused


async def test_correct_checks_neutralized_against_launched(deps: HandlerDeps) -> None:
    admin = Chat(deps, bot_admin=True)
    await admin.press(_button(await admin.send("post", POST), "Confirm"))
    reply = text(await admin.send("correct", "1 neutralized=100"))
    assert "revision 2" in reply
    summary = await deps.store.get_summary(1)
    assert summary is not None and summary.neutralized == 100 and summary.launched == 104
    too_many = text(await admin.send("correct", "1 destroyed=50 neutralized=60"))
    # 50 + 60 > 104: what does not fit the drones is left on the missiles, and refused there
    assert "Not accepted: destroyed/suppressed/neutralized" in too_many and "(12) exceeds launched (6)" in too_many
