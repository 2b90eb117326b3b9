"""An empty window's offer of the window with data, as each platform shows it.

Months after the latest report, `/stats` (30 days) is empty; the reply names
the latest report and offers `/stats all`: a button on Telegram and Discord
whose press answers with the totals, and the command itself in the console.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.transports.console import ConsoleTransport
from handlers.context import HandlerDeps
from handlers.ingest import ingest_payload
from tests.bot.transports.telegram.support import open_test_store, running_transport
from tests.fakes.discord.harness import discord_world, run_slash
from tests.fakes.telegram.api import FakeBotAPI

SEED = json.loads((Path(__file__).parents[3] / "seeds" / "seed-night.json").read_text())


def long_after() -> datetime:
    """A clock well past the seed night (3–4 July 2025): every window ending now is empty."""
    return datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def test_telegram_shows_the_offer_as_a_button_that_answers(fake_telegram: FakeBotAPI, tmp_path: Path) -> None:
    fake = fake_telegram
    async with open_test_store(tmp_path) as store:
        await ingest_payload(store, SEED, notify=False)
        async with running_transport(fake, store, None, menu=None) as transport:
            transport.deps.now = long_after
            alice = fake.user("Alice")
            chat = fake.private_chat(alice)
            fake.push_message(chat, alice, "/stats")
            [empty] = await fake.wait_sent(1, chat_id=chat)
            assert "No reports in this period" in (empty.text or "")
            assert "July 4, 2025" in (empty.text or "")
            [[button]] = empty.params["reply_markup"]["inline_keyboard"]
            assert button["text"] == "/stats all"
            assert len(button["callback_data"].encode()) <= 64  # Telegram's limit for callback data
            fake.push_callback(chat, alice, empty.message_id, button["callback_data"])
            sent = await fake.wait_sent(2, chat_id=chat)
    assert "550" in (sent[1].text or "")


async def test_discord_shows_the_offer_as_a_button_that_answers(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await ingest_payload(w.store, SEED, notify=False)
        w.deps.now = long_after
        empty = await run_slash(w, "stats")
        assert "No reports in this period" in empty.text
        assert [b["label"] for b in empty.buttons()] == ["/stats all"]
        press = await w.fake.interactions.press(empty.message, "/stats all", channel=w.channel, user=w.member)
        answer = await press.reply(w.fake)
    assert "550" in answer.text


async def test_console_shows_the_offer_as_the_command_to_type(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        await ingest_payload(store, SEED, notify=False)
        out = io.StringIO()
        deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"), now=long_after)
        console = ConsoleTransport(deps, stdin=io.StringIO("/stats\n/stats all\n/stats\n1\n"), stdout=out)
        await console.run()
    printed = out.getvalue()
    assert "No reports in this period" in printed
    assert "[1] /stats all" in printed
    # typing the command and pressing the button give the same totals
    answers = [block for block in printed.split("\n\n") if "550" in block]
    assert len(answers) == 2
