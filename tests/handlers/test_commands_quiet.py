"""/quiet: quiet hours per chat, shown in /settings and /help, refused to group members."""

from __future__ import annotations

import pytest

from handlers.context import ChatKind, HandlerDeps
from tests.handlers.chat import Chat, text


async def test_quiet_hours_set_shown_and_removed(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    reply = text(await chat.send("quiet", "23:00-07:00"))
    assert "Quiet hours set: 23:00–07:00 (Europe/Kyiv)" in reply and "without sound" in reply
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.quiet == (23 * 60, 7 * 60)
    settings = text(await chat.send("settings"))
    assert "Quiet hours: 23:00–07:00 (Europe/Kyiv)" in settings
    shown = text(await chat.send("quiet"))
    assert "Quiet hours: 23:00–07:00 (Europe/Kyiv)" in shown and "/quiet off" in shown
    assert "Quiet hours are off" in text(await chat.send("quiet", "off"))
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.quiet is None
    assert "Quiet hours" not in text(await chat.send("settings"))
    assert "Quiet hours: off." in text(await chat.send("quiet"))


@pytest.mark.parametrize(
    ("typed", "window"),
    [("22:30-06:15", (1350, 375)), ("23-7", (1380, 420)), ("13:00 – 15:00", (780, 900)), ("0:00-24:00", None),
     ("22.00-24:00", (1320, 0)), ("OFF", None)],
)
async def test_accepted_spellings(deps: HandlerDeps, typed: str, window: tuple[int, int] | None) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    await chat.send("quiet", "01:00-02:00")
    reply = text(await chat.send("quiet", typed))
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None
    if typed == "0:00-24:00":  # the whole day is no window at all
        assert "start and an end that differ" in reply and sub.quiet == (60, 120)
    else:
        assert sub.quiet == window


@pytest.mark.parametrize("bad", ["23:00", "25:00-07:00", "23:60-07:00", "night", "23:00-07:00-08:00", "7:00-7:00"])
async def test_bad_windows_get_a_helpful_reply_and_change_nothing(deps: HandlerDeps, bad: str) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    await chat.send("quiet", "23:00-07:00")
    reply = text(await chat.send("quiet", bad))
    assert "/quiet 23:00-07:00" in reply or "differ" in reply
    assert "Usage: /quiet [HH:MM-HH:MM|off]" in reply
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.quiet == (23 * 60, 7 * 60)


async def test_unsubscribed_chat_is_told_so(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    assert "not subscribed" in text(await chat.send("quiet", "23:00-07:00"))
    assert "Quiet hours: off." in text(await chat.send("quiet"))


async def test_quiet_hours_survive_unsubscribe_and_resubscribe(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    await chat.send("quiet", "23:00-07:00")
    await chat.send("unsubscribe")
    await chat.send("subscribe", "Kyiv")
    assert "Quiet hours: 23:00–07:00" in text(await chat.send("settings"))


async def test_only_chat_admins_and_bot_admins_set_quiet_hours_in_groups(deps: HandlerDeps) -> None:
    admin = Chat(deps, kind=ChatKind.SUPERGROUP, chat_id="-42", chat_admin=True)
    await admin.send("subscribe")
    member = Chat(deps, kind=ChatKind.SUPERGROUP, chat_id="-42")
    refused = await member.send("quiet", "23:00-07:00")
    assert "Admin rights are needed" in text(refused) and refused[0].private
    assert "Admin rights are needed" in text(await member.send("quiet"))
    bot_admin = Chat(deps, kind=ChatKind.SUPERGROUP, chat_id="-42", bot_admin=True)
    assert "Quiet hours set" in text(await bot_admin.send("quiet", "00:00-06:00"))
    assert "Quiet hours set" in text(await admin.send("quiet", "23:00-07:00"))
    sub = await deps.store.get_subscription("telegram", "-42")
    assert sub is not None and sub.quiet == (23 * 60, 7 * 60)


async def test_ukrainian_chat_and_help(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    assert "/quiet" in text(await chat.send("help"))
    await chat.send("lang", "uk")
    assert "Тихі години встановлено: 23:00–07:00 (Europe/Kyiv)" in text(await chat.send("quiet", "23:00-07:00"))
    assert "Тихі години: 23:00–07:00" in text(await chat.send("settings"))
    member = Chat(deps, kind=ChatKind.GROUP, chat_id="-7")
    assert "/quiet" not in text(await member.send("help"))
