"""/format full|compact and the compact alert, driven through handle() and the renderers."""

from __future__ import annotations

from handlers.context import ChatKind, HandlerDeps
from handlers.ingest import ingest_summary
from handlers.render import render_alert, render_compact, render_compact_retracted
from storage.models import AlertFormat
from tests.handlers.chat import KYIV, SEED_NIGHT, Chat, text


async def test_chat_admin_switches_to_compact_and_back_and_settings_show_it(deps: HandlerDeps) -> None:
    admin = Chat(deps, kind=ChatKind.GROUP, chat_id="-7", chat_admin=True)
    await admin.send("subscribe")
    assert "Alert format: full (the whole report)" in text(await admin.send("settings"))
    reply = text(await admin.send("format", "compact"))
    assert "Alerts here are now compact" in reply
    sub = await deps.store.get_subscription("telegram", "-7")
    assert sub is not None and sub.format == AlertFormat.COMPACT
    assert "Alert format: compact (headline, counts and report id)" in text(await admin.send("settings"))
    assert "Alert format: compact" in text(await admin.send("format"))
    assert "whole report" in text(await admin.send("format", "FULL"))
    sub = await deps.store.get_subscription("telegram", "-7")
    assert sub is not None and sub.format == AlertFormat.FULL


async def test_members_are_refused_and_bad_words_explained(deps: HandlerDeps) -> None:
    admin = Chat(deps, kind=ChatKind.GROUP, chat_id="-7", chat_admin=True)
    await admin.send("subscribe")
    member = Chat(deps, kind=ChatKind.GROUP, chat_id="-7")
    refused = await member.send("format", "compact")
    assert refused[0].private and "Admin rights are needed" in text(refused)
    sub = await deps.store.get_subscription("telegram", "-7")
    assert sub is not None and sub.format == AlertFormat.FULL
    bad = text(await admin.send("format", "tiny"))
    assert "Choose a format: /format full or /format compact." in bad and "Usage: /format full|compact" in bad
    assert "not subscribed" in text(await Chat(deps, chat_id="55").send("format", "compact"))
    # a bot admin may change any chat, like /mute
    assert "compact" in text(await Chat(deps, kind=ChatKind.GROUP, chat_id="-7", bot_admin=True).send("format", "compact"))


async def test_in_ukrainian(deps: HandlerDeps) -> None:
    chat = Chat(deps, chat_id="9", locale="uk")
    await chat.send("subscribe")
    assert "Сповіщення тут тепер стислі" in text(await chat.send("format", "стислий"))
    assert "Формат сповіщень: стислий" in text(await chat.send("settings"))


async def test_compact_alert_keeps_headline_counts_hits_casualties_and_id(deps: HandlerDeps) -> None:
    outcome = await ingest_summary(deps.store, SEED_NIGHT | {"notes": "Long notes"}, notify=False)
    summary = await deps.store.get_summary(outcome.id)
    assert summary is not None
    full = render_alert(summary, "en", KYIV)
    compact = render_compact(summary, "en", KYIV)
    assert compact.title == full.title and compact.launched == 550
    assert compact.lines == [
        "550 launched (539 drones, 11 missiles) · 478 neutralized (86.9%)",
        "hits at 8 locations · 23 injured",
    ]
    assert compact.fields == [] and compact.footer == f"Report #{summary.id}"
    everything = text([compact])
    for left_out in ("Shahed", "Damage", "railway", "Long notes", "Air Force"):
        assert left_out not in everything and left_out in text([full])
    uk = render_compact(summary, "uk", KYIV)
    assert uk.lines[0].startswith("запущено 550 (539 дронів, 11 ракет) · знешкоджено 478")
    assert uk.footer == f"Звіт №{summary.id}"


async def test_compact_without_known_hits_or_casualties_and_after_a_correction(deps: HandlerDeps) -> None:
    bare = {k: v for k, v in SEED_NIGHT.items() if k not in ("hit_locations", "debris_locations", "killed", "injured")}
    outcome = await ingest_summary(deps.store, bare, notify=False)
    await ingest_summary(deps.store, bare | {"killed": 2}, notify=False)
    summary = await deps.store.get_summary(outcome.id)
    assert summary is not None and summary.revision == 2
    compact = render_compact(summary, "en", KYIV)
    assert compact.lines[1:] == ["2 killed"]
    assert compact.footer == f"Report #{summary.id} · revision 2"
    withdrawn = render_compact_retracted(summary, "en", KYIV)
    assert withdrawn.title.startswith("❌ Withdrawn: Night of")
    assert withdrawn.footer == f"Report #{summary.id} · revision 2"
