"""Subscribing a chat: private chats, groups (admin and member), forum topics, channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import ChatKind, HandlerDeps
from handlers.ingest import ingest_summary
from tests.handlers.chat import NOW, SEED_NIGHT, Chat, text


async def test_private_chat_subscribes_to_everything(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = await chat.send("subscribe")
    assert "Subscribed" in reply[0].title
    assert "Regions: all of Ukraine" in text(reply) and "Threshold: every attack" in text(reply)
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.active and sub.regions == () and sub.created_by == "telegram:1"


async def test_subscribe_with_regions_and_threshold(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = text(await chat.send("subscribe", "Київ Odesa region kharkiv oblast min=50"))
    assert "Regions: Kharkiv oblast, Kyiv, Odesa oblast" in reply
    assert "Threshold: at least 50 launched" in reply
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None
    assert set(sub.regions) == {"kyiv-city", "odesa", "kharkiv"} and sub.min_launched == 50
    # a later /subscribe replaces the filters and still answers
    assert "all of Ukraine" in text(await chat.send("subscribe"))


async def test_subscribe_rejects_bad_input_with_a_reply(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    assert "min must be a whole number" in text(await chat.send("subscribe", "min=lots"))
    assert "Unknown option “max”" in text(await chat.send("subscribe", "max=3"))
    reply = text(await chat.send("subscribe", "Lvov"))
    assert "Unknown region “Lvov”" in reply and "Lviv" in reply
    assert await deps.store.get_subscription("telegram", "100") is None


async def test_group_member_is_refused_and_admin_allowed(deps: HandlerDeps) -> None:
    member = Chat(deps, kind=ChatKind.GROUP, chat_id="-42")
    for command in ("subscribe", "unsubscribe", "settings", "mute", "unmute", "lang"):
        reply = await member.send(command)
        assert "Admin rights are needed" in text(reply), command
        assert reply[0].private
    assert await deps.store.get_subscription("telegram", "-42") is None
    admin = Chat(deps, kind=ChatKind.SUPERGROUP, chat_id="-42", chat_admin=True)
    assert "Subscribed" in text(await admin.send("subscribe", "Kyiv"))
    bot_admin = Chat(deps, kind=ChatKind.GROUP, chat_id="-42", bot_admin=True)
    assert "Alerts: on." in text(await bot_admin.send("settings"))


async def test_forum_topic_has_its_own_subscription(deps: HandlerDeps) -> None:
    topic = Chat(deps, kind=ChatKind.FORUM_TOPIC, chat_id="-100", thread_id="12", chat_admin=True)
    await topic.send("subscribe", "min=100")
    sub = await deps.store.get_subscription("telegram", "-100", "12")
    assert sub is not None and sub.min_launched == 100
    assert await deps.store.get_subscription("telegram", "-100") is None
    other = Chat(deps, kind=ChatKind.FORUM_TOPIC, chat_id="-100", thread_id="13", chat_admin=True)
    assert "Alerts: off" in text(await other.send("settings"))


async def test_channel_subscribed_by_its_admin(deps: HandlerDeps) -> None:
    channel = Chat(deps, kind=ChatKind.CHANNEL, chat_id="-1001", user=None, chat_admin=True)
    assert "Subscribed" in text(await channel.send("subscribe"))
    sub = await deps.store.get_subscription("telegram", "-1001")
    assert sub is not None and sub.active and sub.created_by is None


async def test_subscribed_chat_gets_live_alerts_queued(deps: HandlerDeps) -> None:
    await Chat(deps).send("subscribe", "Kyiv")
    outcome = await ingest_summary(deps.store, SEED_NIGHT, notify=True)
    assert outcome.deliveries == 1


async def test_unsubscribe_and_resubscribe(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    assert "not subscribed" in text(await chat.send("unsubscribe"))
    await chat.send("subscribe")
    assert "Unsubscribed" in text(await chat.send("unsubscribe"))
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and not sub.active
    assert "Alerts: off" in text(await chat.send("settings"))


async def test_mute_and_unmute(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    assert "not subscribed" in text(await chat.send("mute", "8h"))
    await chat.send("subscribe")
    reply = text(await chat.send("mute", "8h"))
    # NOW is 07:30 Kyiv time
    assert "Alerts muted until Jul 4 15:30 (Europe/Kyiv)" in reply
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.muted_until == NOW + timedelta(hours=8)
    assert "Alerts: muted until Jul 4 15:30" in text(await chat.send("settings"))
    await chat.send("mute", "30m")
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.muted_until == NOW + timedelta(minutes=30)
    await chat.send("mute", "2d")
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.muted_until == NOW + timedelta(days=2)
    assert "Alerts are on again." in text(await chat.send("unmute"))
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.muted_until is None


@pytest.mark.parametrize("bad", ["8x", "0h", "45d", "soon", "-1h"])
async def test_mute_rejects_bad_durations(deps: HandlerDeps, bad: str) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    assert "Give a duration up to 30 days" in text(await chat.send("mute", bad))


async def test_lang_switches_replies_and_is_kept(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    assert "Мову змінено: українська." in text(await chat.send("lang", "uk"))
    assert "Сповіщення: увімкнено." in text(await chat.send("settings"))
    # re-subscribing keeps the chosen language
    assert "Підписано" in text(await chat.send("subscribe", "Kyiv"))
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and sub.locale == "uk"
    assert "Language set: English." in text(await chat.send("lang", "EN"))
    assert "Choose a language" in text(await chat.send("lang", "de"))


async def test_lang_before_subscribing_and_a_ukrainian_users_first_subscription(deps: HandlerDeps) -> None:
    group = Chat(deps, kind=ChatKind.GROUP, chat_id="-9", chat_admin=True)
    await group.send("lang", "uk")
    assert "Цей чат не підписаний." in text(await group.send("unsubscribe"))
    newcomer = Chat(deps, chat_id="55", locale="uk")
    assert "Підписано" in text(await newcomer.send("subscribe"))
    sub = await deps.store.get_subscription("telegram", "55")
    assert sub is not None and sub.locale == "uk"


async def test_quoted_region_lists_as_discord_sends_them(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    await chat.send("subscribe", '"Kyiv oblast Odesa" "Lviv,Kharkiv"')
    sub = await deps.store.get_subscription("telegram", "100")
    assert sub is not None and set(sub.regions) == {"kyiv", "odesa", "lviv", "kharkiv"}


async def test_settings_while_muted_has_one_state_line(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    await chat.send("subscribe")
    await chat.send("mute", "8h")
    lines = (await chat.send("settings"))[0].lines
    assert [line for line in lines if line.startswith("Alerts")] == [
        "Alerts: muted until Jul 4 15:30, Europe/Kyiv time. /unmute turns them back on."
    ]
    assert not any("Alerts: on" in line or "Muted until" in line for line in lines)
    uk_chat = Chat(deps, chat_id="9", locale="uk")
    await uk_chat.send("subscribe")
    await uk_chat.send("mute", "8h")
    uk = (await uk_chat.send("settings"))[0].lines
    assert [line for line in uk if line.startswith("Сповіщення")] == [
        "Сповіщення: призупинено до 4 лип. 15:30 за часом Europe/Kyiv. /unmute увімкне їх знову."
    ]
    await chat.send("unmute")
    assert "Alerts: on." in (await chat.send("settings"))[0].lines


async def test_language_names_in_one_case(deps: HandlerDeps) -> None:
    uk = Chat(deps, chat_id="9", locale="uk")
    await uk.send("subscribe")
    await uk.send("lang", "uk")
    replies = [await uk.send("settings"), await uk.send("lang"), await uk.send("lang", "uk")]
    assert "Мова: українська" in text(replies[0])
    assert "en (англійська), uk (українська)" in text(replies[1])
    assert "Мову змінено: українська." in text(replies[2])
    assert not any(name in text(r) for r in replies for name in ("Українська", "Англійська", "English"))
    en = Chat(deps, chat_id="10")
    assert "Language: English" in text(await en.send("settings"))
    assert "en (English), uk (Ukrainian)" in text(await en.send("lang"))
