"""End to end on the Telegram fake: /post with an Air Force post's text → preview → Confirm → alert; repeats and corrections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.transports.telegram.transport import TelegramTransport
from storage.protocol import Store
from tests.bot.transports.telegram.support import ADMIN_ID, open_test_store, running_transport
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.model import FakeChat, FakeUser

# written for this test in the shape of the Air Force's morning post
POST = """ЗБИТО/ПОДАВЛЕНО 71 ВОРОЖИЙ БПЛА ТА РАКЕТУ

У ніч на 12 травня (з 18:30 11 травня) противник атакував 80 засобами повітряного нападу:
▪️ 4 балістичними ракетами Іскандер-М з Курської обл.;
▪️ 76 ударними БпЛА типу Shahed та дронами-імітаторами з напрямків: Орел, Міллерово.
Станом на 09:00 збито/подавлено 71 ціль:
▪️ 2 балістичні ракети Іскандер-М;
▪️ 69 ворожих БпЛА.
Зафіксовано влучання 2 ракет та 7 ударних БпЛА на 5 локаціях, падіння уламків на 3 локаціях.
Основні напрямки удару - Харківщина, Сумщина.

Повітряні Сили ЗС України
"""
CORRECTED = POST.replace("на 5 локаціях", "на 8 локаціях")


@dataclass
class Chats:
    fake: FakeBotAPI
    store: Store
    transport: TelegramTransport
    admin: FakeUser
    admin_chat: FakeChat
    reader: FakeChat

    async def say(self, text: str, *, reply_to: int | None = None) -> str:
        """The admin writes `text`; the bot's reply."""
        before = len(self.fake.sent(self.admin_chat))
        self.fake.push_message(self.admin_chat, self.admin, text, reply_to=reply_to)
        sent = await self.fake.wait_sent(before + 1, chat_id=self.admin_chat)
        return sent[before].text or ""

    async def press(self, label: str) -> str:
        """Press a button of the newest preview; the text it was edited to."""
        preview = self.fake.sent(self.admin_chat)[-1]
        [row] = preview.params["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for b in row if b["text"] == label)
        assert preview.message_id is not None
        before = len(self.fake.edits(self.admin_chat))
        self.fake.push_callback(self.admin_chat, self.admin, preview.message_id, data)
        await self.fake.wait_edits(before + 1, chat_id=self.admin_chat)
        return self.fake.text_of(self.admin_chat, preview.message_id) or ""

    async def deliver(self) -> None:
        dispatcher = Dispatcher(
            self.store, {"telegram": self.transport}, Renderers.from_handlers(), DispatcherConfig(rates={"telegram": 0.0})
        )
        await dispatcher.run_once()


@pytest.fixture
async def chats(fake_telegram: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Chats]:
    async with open_test_store(tmp_path) as store, running_transport(fake_telegram, store, None, menu=None) as transport:
        admin = fake_telegram.user("Admin", user_id=ADMIN_ID)
        reader_user = fake_telegram.user("Reader")
        reader = fake_telegram.private_chat(reader_user)
        fake_telegram.push_message(reader, reader_user, "/subscribe Kharkiv")
        await fake_telegram.wait_sent(1, chat_id=reader)
        yield Chats(fake_telegram, store, transport, admin, fake_telegram.private_chat(admin), reader)


async def test_pasted_post_confirmed_then_repeated_then_corrected(chats: Chats) -> None:
    fake = chats.fake
    preview = await chats.say("/post\n" + POST)
    for figure in ("80 (76 drones, 4 missiles)", "71 (88.8%)", "hits at 5 locations", "debris at 3 locations"):
        assert figure in preview, (figure, preview)
    assert "Kharkiv" in preview and "Sumy" in preview and "Oryol" not in preview
    assert await chats.store.count_summaries() == 0
    assert "Posted as report #1." in await chats.press("Confirm")
    await chats.deliver()
    [alert] = fake.sent(chats.reader)[1:]
    assert alert.message_id is not None
    assert "80" in (alert.text or "") and "hits at 5 locations" in (alert.text or "")

    await chats.say("/post\n" + POST)
    assert "already says that; nothing changed" in await chats.press("Confirm")
    await chats.deliver()
    assert len(fake.sent(chats.reader)) == 2  # the welcome reply and one alert: nobody alerted twice

    await chats.say("/post\n" + CORRECTED)
    assert "Report #1 corrected: revision 2." in await chats.press("Confirm")
    await chats.deliver()
    await fake.wait_edits(1, chat_id=chats.reader)
    assert len(fake.sent(chats.reader)) == 2
    edited = fake.text_of(chats.reader, alert.message_id) or ""
    assert "hits at 8 locations" in edited and "revision 2" in edited
    assert await chats.store.count_summaries() == 1


async def test_reply_to_a_forwarded_channel_post_keys_it_by_the_post(chats: Chats) -> None:
    fake = chats.fake
    channel = fake.channel("Air Force", username="kpszsu")
    forwarded = fake.push_forwarded(chats.admin_chat, chats.admin, POST, channel=channel, channel_message_id=5120)
    preview = await chats.say("/post", reply_to=forwarded["message_id"])
    assert "80 (76 drones, 4 missiles)" in preview
    await chats.press("Confirm")
    [summary] = await chats.store.latest(1)
    assert (summary.external_id, summary.source_url) == ("t.me/kpszsu/5120", "https://t.me/kpszsu/5120")
    # the channel's corrected post, forwarded later, revises the same summary
    fixed = fake.push_forwarded(chats.admin_chat, chats.admin, CORRECTED, channel=channel, channel_message_id=5120)
    await chats.say("/post", reply_to=fixed["message_id"])
    assert "revision 2" in await chats.press("Confirm")


async def test_text_without_a_report_gets_one_line(chats: Chats) -> None:
    reply = await chats.say("/post Добрий ранок, сьогодні тихо")
    assert reply.startswith("No report in this text:") and "\n" not in reply
