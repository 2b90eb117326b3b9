"""Commands for everyone, driven through handle() on a real SqliteStore."""

from __future__ import annotations

from handlers.commands.base import build_args
from handlers.context import ChatKind, HandlerDeps, Identity
from handlers.ingest import ingest_summary
from handlers.router import COMMANDS, command_spec
from tests.handlers.chat import SEED_NIGHT, Chat, text


async def _seed(deps: HandlerDeps) -> None:
    await ingest_summary(deps.store, SEED_NIGHT, notify=False)
    older = SEED_NIGHT | {
        "external_id": "older",
        "period_start": "2025-06-20T18:00:00+03:00",
        "period_end": "2025-06-21T06:00:00+03:00",
        "regions": ["Odesa"],
        "weapons": [{"model": "Shahed-136/131", "launched": 100, "destroyed": 90}],
    }
    await ingest_summary(deps.store, older, notify=False)


async def test_help_lists_only_what_this_user_may_do(deps: HandlerDeps) -> None:
    member = text(await Chat(deps, kind=ChatKind.GROUP, chat_id="-5").send("help"))
    assert "/latest" in member and "/stats" in member
    assert "/subscribe" not in member and "/post" not in member
    group_admin = text(await Chat(deps, kind=ChatKind.GROUP, chat_id="-5", chat_admin=True).send("help"))
    assert "/subscribe" in group_admin and "/post" not in group_admin
    private = text(await Chat(deps).send("help"))
    assert "/subscribe" in private and "/status" not in private
    bot_admin = text(await Chat(deps, kind=ChatKind.GROUP, chat_id="-5", bot_admin=True).send("help"))
    assert "/post" in bot_admin and "/status" in bot_admin and "/subscribe" in bot_admin


async def test_start_greets_in_the_users_language(deps: HandlerDeps) -> None:
    assert "Welcome!" in text(await Chat(deps).send("start"))
    assert "Вітаю!" in text(await Chat(deps, chat_id="7", locale="uk-UA").send("start"))


async def test_latest_lists_newest_first_and_filters_by_region(deps: HandlerDeps) -> None:
    await _seed(deps)
    chat = Chat(deps)
    rows = (await chat.send("latest"))[0].lines
    assert rows[0].startswith("#1 ") and "550 launched" in rows[0] and "86.9%" in rows[0]
    assert rows[1].startswith("#2 ")
    one = (await chat.send("latest", "1"))[0].lines
    assert len(one) == 1
    odesa = await chat.send("latest", "5 Одеса")
    assert [r[:3] for r in odesa[0].lines] == ["#2 "]
    assert "Odesa oblast" in odesa[0].title


async def test_latest_with_no_reports(deps: HandlerDeps) -> None:
    assert "No reports yet." in text(await Chat(deps).send("latest"))


async def test_stats_windows_and_region(deps: HandlerDeps) -> None:
    await _seed(deps)
    chat = Chat(deps)
    default = (await chat.send("stats"))[0]
    assert "last 30 days" in default.title
    assert dict(default.fields)["Reports"] == "2"
    assert dict(default.fields)["Launched"] == "650 (639 drones, 11 missiles)"
    day = (await chat.send("stats", "24h"))[0]
    assert dict(day.fields)["Reports"] == "1"
    assert "Largest attack: #1" in text([day])
    kyiv = (await chat.send("stats", "all kyiv"))[0]
    assert "all time" in kyiv.title and dict(kyiv.fields)["Reports"] == "1"
    uk = (await Chat(deps, chat_id="9", locale="uk").send("stats", "7d"))[0]
    assert "останні 7 днів" in uk.title


async def test_summary_shows_the_alert_or_says_it_is_missing(deps: HandlerDeps) -> None:
    await _seed(deps)
    chat = Chat(deps)
    alert = (await chat.send("summary", "#1"))[0]
    assert alert.launched == 550 and "Night of" in alert.title
    assert "There is no report #99." in text(await chat.send("summary", "99"))
    await deps.store.retract(2)
    assert "Withdrawn" in text(await chat.send("summary", "2"))


async def test_unknown_command_gets_a_helpful_reply(deps: HandlerDeps) -> None:
    reply = text(await Chat(deps).send("stat"))
    assert "Unknown command /stat." in reply and "/stats" in reply and "/help" in reply
    assert "Unknown command /frobnicate." in text(await Chat(deps).send("/frobnicate@StrikeBot"))


async def test_malformed_arguments_get_usage(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = text(await chat.send("latest", "500"))
    assert "N must be between 1 and 20." in reply and "Usage: /latest [N] [region]" in reply
    assert "Unknown period “3w”" in text(await chat.send("stats", "3w"))
    assert "Give a report number" in text(await chat.send("summary", "abc"))
    assert "quote is not closed" in text(await chat.send("latest", '"Kyiv'))


async def test_unknown_region_lists_close_matches(deps: HandlerDeps) -> None:
    chat = Chat(deps)
    reply = text(await chat.send("latest", "Odesaa"))
    assert "Unknown region “Odesaa”" in reply and "Odesa oblast" in reply
    uk = text(await Chat(deps, chat_id="3", locale="uk").send("stats", "Харкыв"))
    assert "Невідомий регіон «Харкыв»" in uk and "Харківська область" in uk


async def test_commands_same_in_a_forum_topic_and_a_channel(deps: HandlerDeps) -> None:
    await _seed(deps)
    topic = Chat(deps, kind=ChatKind.FORUM_TOPIC, chat_id="-100", thread_id="7")
    assert "#1 " in text(await topic.send("latest"))
    channel = Chat(deps, kind=ChatKind.CHANNEL, chat_id="-200", user=None)
    assert "#1 " in text(await channel.send("latest"))


def test_command_metadata_for_transports() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    assert {"start", "help", "latest", "stats", "summary", "subscribe", "post", "status"} <= set(names)
    for spec in COMMANDS:
        assert 3 <= len(spec.description("en")) <= 256
        assert spec.description("uk") != spec.description("en")
    stats = command_spec("stats")
    assert stats is not None
    assert stats.args[0].choices == ("24h", "7d", "30d", "365d", "all")
    subscribe = command_spec("subscribe")
    assert subscribe is not None
    assert build_args(subscribe, {"regions": "Kyiv, Odesa", "min": 50}) == "Kyiv, Odesa min=50"


async def test_identity_free_channel_post_still_works(deps: HandlerDeps) -> None:
    channel = Chat(deps, kind=ChatKind.CHANNEL, chat_id="-300", user=None, chat_admin=True)
    assert "Subscribed" in text(await channel.send("subscribe"))
    assert Identity("telegram", "1").key == "telegram:1"


async def test_latest_rows_show_drones_and_missiles(deps: HandlerDeps) -> None:
    await _seed(deps)
    rows = (await Chat(deps).send("latest"))[0].lines
    assert "550 launched (539 drones, 11 missiles) · 478 neutralized (86.9%)" in rows[0]
    assert "100 launched (100 drones) · 90 neutralized (90.0%)" in rows[1]
    uk = (await Chat(deps, chat_id="9", locale="uk").send("latest"))[0].lines
    assert "запущено 550 (539 дронів, 11 ракет) · знешкоджено 478 (86,9" in uk[0]


async def test_summary_with_two_numbers_is_a_clear_error(deps: HandlerDeps) -> None:
    await _seed(deps)
    reply = text(await Chat(deps).send("summary", "1 2"))
    assert "One report at a time, e.g. /summary 1." in reply
    assert "Give a report number" not in reply and reply.count("Usage:") == 1
    uk = text(await Chat(deps, chat_id="9", locale="uk").send("summary", "1 2"))
    assert "Лише один звіт за раз, напр. /summary 1." in uk


async def test_ukrainian_all_time_and_one_numbering_sign(deps: HandlerDeps) -> None:
    await _seed(deps)
    chat = Chat(deps, chat_id="9", locale="uk")
    assert (await chat.send("stats", "all"))[0].title == "Статистика за весь час"
    assert (await chat.send("stats"))[0].title == "Статистика за останні 30 днів"
    assert (await chat.send("top"))[0].title == "Наймасованіші атаки за весь час"
    latest = await chat.send("latest")
    assert latest[0].lines[0].startswith("№1 · ")
    top = await chat.send("top")
    assert top[0].lines[0].endswith(" · №1")
    for reply in (latest, top, await chat.send("summary", "1"), await chat.send("stats", "24h")):
        assert "#" not in text(reply) and "№1" in text(reply)
