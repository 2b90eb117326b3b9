"""The console chat, driven through its stdin/stdout like a terminal user would."""

from __future__ import annotations

import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.transport import Outcome, Target
from bot.transports.console import CHAT_ID, ConsoleTransport
from handlers.context import HandlerDeps, Image, Message
from handlers.ingest import ingest_payload
from storage.protocol import Store
from tests.bot.telegram_support import open_test_store

SEED = json.loads((Path(__file__).parents[2] / "seeds" / "seed-night.json").read_text())


async def converse(store: Store, tmp_path: Path, typed: str) -> str:
    """Type `typed` into a console chat until end of input; return everything printed."""
    out = io.StringIO()
    deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
    console = ConsoleTransport(deps, stdin=io.StringIO(typed), stdout=out, image_dir=tmp_path / "img")
    await console.run()
    return out.getvalue()


async def test_commands_get_plain_text_replies(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        await ingest_payload(store, SEED, notify=False)
        printed = await converse(store, tmp_path, "/help\n\n/latest 1\nhello\n/stast\n")
    assert "/post" in printed  # the console user is a bot admin
    assert "550" in printed and "<b>" not in printed
    assert "Commands start with a slash" in printed
    assert "Did you mean /stats?" in printed


async def test_post_confirmed_by_typing_the_button_number(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        before = await store.count_summaries()
        printed = await converse(store, tmp_path, '/post drones=120 missiles=4 regions="Kyiv, Odesa"\n1\n')
        assert await store.count_summaries() == before + 1
        [posted] = await store.latest(1)
    assert "[1] Confirm   [2] Cancel" in printed
    assert f"Posted as report #{posted.id}" in printed
    assert posted.launched == 124


async def test_cancel_by_label_and_stale_number_is_not_a_press(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        printed = await converse(store, tmp_path, "/post drones=5\ncancel\n1\n")
        assert await store.count_summaries() == 0
    assert "Cancelled" in printed
    assert "Commands start with a slash" in printed  # "1" after the press is just text


async def test_subscribe_and_receive_an_alert_with_image(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        printed = await converse(store, tmp_path, "/subscribe\n")
        sub = await store.get_subscription("console", CHAT_ID)
        assert sub is not None and sub.active
        out = io.StringIO()
        console = ConsoleTransport(
            HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv")), stdout=out, image_dir=tmp_path / "img"
        )
        alert = Message(title="Night of 4 July", lines=["550 launched"], image=Image(b"\x89PNG data", "chart.png"))
        result = await console.send(Target(CHAT_ID), console.render(alert))
        fixed = await console.edit(Target(CHAT_ID), result.message_id or "", console.render(Message(title="Corrected")))
    assert result.outcome == Outcome.OK and fixed.outcome == Outcome.OK
    text = out.getvalue()
    assert "Night of 4 July\n---------------\n550 launched" in text
    saved = Path(text.split("[image saved to ")[1].split("]")[0])
    assert saved.read_bytes() == b"\x89PNG data"
    assert f"[#{result.message_id} updated]\nCorrected" in text
    assert printed
