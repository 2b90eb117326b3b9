"""The source watcher end to end: a loopback page server, the real parser, store and Telegram transport."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.metrics import Metrics
from bot.sources.desk import ReportDesk
from bot.sources.poller import PollerConfig, SourcePoller
from bot.transports.console import ConsoleTransport
from bot.transports.telegram.transport import TelegramTransport
from handlers.context import HandlerDeps
from handlers.drafts import PendingDrafts
from storage.protocol import Store
from tests.bot.sources.pages import NOT_A_REPORT, SourceServer, atom_feed, preview_page, rss_feed, uk_post
from tests.bot.transports.telegram.support import ADMIN_ID, open_test_store
from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.interact import Reply
from tests.fakes.telegram.api import FakeBotAPI

OTHER_ADMIN = 4343
PAGE = "/s/testchannel"


@dataclass
class World:
    fake: FakeBotAPI
    store: Store
    deps: HandlerDeps
    transport: TelegramTransport
    server: SourceServer
    metrics: Metrics

    def poller(self, mode: str = "auto", *, paths: tuple[str, ...] = (PAGE,), **config: object) -> SourcePoller:
        desk = ReportDesk(
            self.deps, {"telegram": self.transport}, [f"telegram:{ADMIN_ID}", f"telegram:{OTHER_ADMIN}"],
            mode=mode,  # type: ignore[arg-type]
        )
        # as `strikebot run` does: a preview's buttons find their draft in the database
        self.deps.shared_drafts = desk
        return SourcePoller(
            self.store, [self.server.url(p) for p in paths], desk,
            config=PollerConfig(interval=60, **config),  # type: ignore[arg-type]
            metrics=self.metrics,
        )

    async def poll(self, mode: str = "auto", **config: object) -> list[str]:
        async with self.poller(mode, **config) as poller:
            return list((await poller.run_once()).values())


@pytest.fixture
async def world(fake_telegram: FakeBotAPI, tmp_path: Path) -> AsyncIterator[World]:
    async with open_test_store(tmp_path) as store, SourceServer() as server:
        deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
        transport = TelegramTransport(
            fake_telegram.token, deps, api_url=fake_telegram.root,
            admins=[f"telegram:{ADMIN_ID}", f"telegram:{OTHER_ADMIN}"], command_menu=None, poll_timeout=1,
        )
        async with transport:
            yield World(fake_telegram, store, deps, transport, server, Metrics())


async def _deliver(world: World) -> None:
    dispatcher = Dispatcher(
        world.store, {"telegram": world.transport}, Renderers.from_handlers(), DispatcherConfig(), metrics=world.metrics
    )
    while await dispatcher.run_once():
        pass


async def test_auto_mode_new_post_alerts_edit_revises_and_restart_handles_nothing_twice(world: World) -> None:
    fake, store = world.fake, world.store
    reader = fake.private_chat(fake.user("Reader"))
    await store.subscribe("telegram", str(reader.id))
    world.server.set(PAGE, preview_page([(1, uk_post(40, 30, day=4))]))
    # the first poll only takes note of what is already there
    assert await world.poll() == ["ok"]
    assert await store.count_summaries() == 0
    world.server.set(PAGE, preview_page([(1, uk_post(40, 30, day=4)), (2, uk_post(60, 52)), (3, NOT_A_REPORT)]))
    assert await world.poll() == ["ok"]
    [summary] = await store.latest(5)
    assert summary.external_id == "https://t.me/testchannel/2" and summary.source_url == summary.external_id
    assert summary.launched == 60
    await _deliver(world)
    [alert] = fake.sent(reader)
    assert "60" in (alert.text or "")
    # the source refines its figures: a new revision, and the alert is edited
    world.server.set(PAGE, preview_page([(1, uk_post(40, 30, day=4)), (2, uk_post(61, 52)), (3, NOT_A_REPORT)]))
    assert await world.poll() == ["ok"]
    [revised] = await store.latest(5)
    assert revised.id == summary.id and revised.revision == 2 and revised.launched == 61
    await _deliver(world)
    assert "61" in (fake.text_of(reader, alert.message_id) or "")
    # a restarted process (a new poller) handles nothing twice
    assert await world.poll() == ["ok"]
    [same] = await store.latest(5)
    assert same.revision == 2 and await store.count_summaries() == 1
    state = await store.source_state(world.server.url(PAGE))
    assert state is not None and state.posts_seen == 3 and not state.failing


async def test_review_mode_previews_to_every_admin_first_press_decides(world: World) -> None:
    fake, store = world.fake, world.store
    first, second = fake.user("Olena", user_id=ADMIN_ID), fake.user("Petro", user_id=OTHER_ADMIN)
    chat_a, chat_b = fake.private_chat(first), fake.private_chat(second)
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT)]))
    assert await world.poll("review") == ["ok"]
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT), (2, uk_post(60, 52) + "\n<script>alert(1)</script><b>x</b>")]))
    assert await world.poll("review") == ["ok"]
    await fake.wait_sent(1, chat_id=chat_a)
    await fake.wait_sent(1, chat_id=chat_b)
    [preview_a], [preview_b] = fake.sent(chat_a), fake.sent(chat_b)
    assert "60" in (preview_a.text or "") and "<script>" not in (preview_a.text or "")
    assert await store.count_summaries() == 0
    confirm = preview_a.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    fake.push_callback(chat_a, first, preview_a.message_id, confirm)
    await fake.wait_edits(1, chat_id=chat_b)
    [summary] = await store.latest(1)
    assert summary.external_id == "https://t.me/testchannel/2"
    assert "Olena" in (fake.text_of(chat_b, preview_b.message_id) or "")


async def test_a_preview_waiting_for_review_is_decided_after_a_restart(world: World) -> None:
    fake, store = world.fake, world.store
    first, second = fake.user("Olena", user_id=ADMIN_ID), fake.user("Petro", user_id=OTHER_ADMIN)
    chat_a, chat_b = fake.private_chat(first), fake.private_chat(second)
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT)]))
    assert await world.poll("review") == ["ok"]
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT), (2, uk_post(60, 52))]))
    assert await world.poll("review") == ["ok"]
    await fake.wait_sent(1, chat_id=chat_a)
    await fake.wait_sent(1, chat_id=chat_b)
    [preview_a], [preview_b] = fake.sent(chat_a), fake.sent(chat_b)
    # the process restarts: what it held in memory is gone, and the new one previews nothing twice
    world.deps.drafts = PendingDrafts()
    world.deps.shared_drafts = None
    assert await world.poll("review") == ["ok"]
    await asyncio.sleep(0.2)
    assert len(fake.sent(chat_a)) == 1 and len(fake.sent(chat_b)) == 1
    confirm = preview_b.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    fake.push_callback(chat_b, second, preview_b.message_id, confirm)
    await fake.wait_edits(1, chat_id=chat_a)
    [summary] = await store.latest(1)
    assert summary.external_id == "https://t.me/testchannel/2" and summary.launched == 60
    assert "Petro" in (fake.text_of(chat_a, preview_a.message_id) or "")
    # the decider's own copy is replaced by the outcome only, not told that they decided
    await fake.wait_edits(1, chat_id=chat_b)
    assert "Posted as report #" in (fake.text_of(chat_b, preview_b.message_id) or "")
    # the first admin's old button now finds the draft decided
    fake.push_callback(chat_a, first, preview_a.message_id, confirm)
    await fake.wait_edits(2, chat_id=chat_a)
    assert "already handled" in (fake.text_of(chat_a, preview_a.message_id) or "")
    assert await store.count_summaries() == 1


async def test_a_restarted_console_prints_a_waiting_preview_again_and_1_confirms_it(world: World, tmp_path: Path) -> None:
    def console_desk(typed: str) -> tuple[ConsoleTransport, io.StringIO, ReportDesk]:
        out = io.StringIO()
        deps = HandlerDeps(store=world.store, timezone=ZoneInfo("Europe/Kyiv"))
        console = ConsoleTransport(deps, stdin=io.StringIO(typed), stdout=out, image_dir=tmp_path / "img")
        desk = ReportDesk(deps, {"console": console}, [], mode="review")
        deps.shared_drafts = desk
        return console, out, desk

    url = world.server.url(PAGE)
    _, first_out, desk = console_desk("")
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT)]))
    async with SourcePoller(world.store, [url], desk) as poller:
        await poller.run_once()
        world.server.set(PAGE, preview_page([(1, NOT_A_REPORT), (2, uk_post(60, 52))]))
        await poller.run_once()
    assert "Preview" in first_out.getvalue()
    # a new process: its console never printed that preview's buttons, so it prints it again
    console, out, desk = console_desk("1\n")
    assert await desk.show_again_on_console() == 1
    assert "Preview" in out.getvalue() and "[1] Confirm" in out.getvalue()
    await console.run()
    assert "Posted as report #1." in out.getvalue()
    [summary] = await world.store.latest(1)
    assert summary.external_id == "https://t.me/testchannel/2"
    # decided: a further restart has nothing to show
    assert await console_desk("")[2].show_again_on_console() == 0


async def test_review_mode_previews_to_a_discord_admin_by_direct_message(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w, SourceServer() as server:
        desk = ReportDesk(w.deps, {"discord": w.transport}, [f"discord:{w.admin.id}"], mode="review")
        w.deps.shared_drafts = desk
        server.set(PAGE, preview_page([(1, NOT_A_REPORT)]))

        async def poll() -> None:
            async with SourcePoller(w.store, [server.url(PAGE)], desk, config=PollerConfig(interval=60)) as poller:
                assert list((await poller.run_once()).values()) == ["ok"]

        await poll()
        server.set(PAGE, preview_page([(1, NOT_A_REPORT), (2, uk_post(60, 52))]))
        await poll()
        dm = w.fake.dms[w.admin.id]
        [stored] = await w.fake.wait_for_messages(dm.id, 1)
        preview = Reply(stored.payload, ephemeral=False, deferred=False, callback_type=0)
        assert "60" in preview.text and "https://t.me/testchannel/2" in preview.text
        assert [b["label"] for b in preview.buttons()] == ["Confirm", "Cancel"]
        assert await w.store.count_summaries() == 0
        press = await w.fake.interactions.press(stored.payload, "Confirm", channel=dm, user=w.admin)
        done = await press.reply(w.fake)
        assert "Posted as report #" in done.text
        [summary] = await w.store.latest(1)
        assert summary.external_id == "https://t.me/testchannel/2" and summary.launched == 60


async def test_a_deleted_report_post_is_not_retracted_admins_get_a_notice(world: World) -> None:
    fake, store = world.fake, world.store
    admin = fake.user("Olena", user_id=ADMIN_ID)
    chat = fake.private_chat(admin)
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT)]))
    await world.poll()
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT), (2, uk_post(60, 52)), (3, NOT_A_REPORT)]))
    await world.poll()
    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT), (3, NOT_A_REPORT)]))
    await world.poll()
    await fake.wait_sent(1, chat_id=chat)
    assert "https://t.me/testchannel/2" in (fake.sent(chat)[-1].text or "")
    [summary] = await store.latest(1)
    assert summary.status == "active"
    # told once
    await world.poll()
    await asyncio.sleep(0.2)
    assert len(fake.sent(chat)) == 1


@pytest.mark.parametrize("kind", ["rss", "atom"])
async def test_feeds_new_post_and_304(world: World, kind: str) -> None:
    build = rss_feed if kind == "rss" else atom_feed
    content_type = "application/rss+xml" if kind == "rss" else "application/atom+xml"
    old = [("https://news.example/1", uk_post(40, 30, day=4))]
    world.server.set("/feed", build(old), content_type=content_type, etag='"a"')
    assert await world.poll(paths=("/feed",)) == ["ok"]
    assert await world.poll(paths=("/feed",)) == ["not_modified"]
    assert world.server.requests[-1][1] == '"a"' and world.server.requests[-1][2].startswith("strikebot/")
    world.server.set(
        "/feed", build([*old, ("https://news.example/2", uk_post(60, 52))]), content_type=content_type, etag='"b"'
    )
    assert await world.poll(paths=("/feed",)) == ["ok"]
    [summary] = await world.store.latest(1)
    assert summary.external_id == "https://news.example/2" and summary.launched == 60


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>'
)


@pytest.mark.parametrize(
    "served",
    [
        {"text": "", "status": 500},
        {"text": "<rss><channel><item><title>unclosed", "content_type": "application/rss+xml"},
        {"text": "<html><body><p>nothing here</p></body></html>"},
        {"text": uk_post(60, 52).encode("cp1251"), "charset": "utf-8"},
        {"text": b"<div>" + b"x" * 10_000_000 + b"</div>"},
        {"text": preview_page([(1, "slow")]), "delay": 2.0},
    ],
    ids=["500", "malformed-xml", "not-a-channel-page", "wrong-encoding", "10MB", "timeout"],
)
async def test_hostile_or_broken_pages_are_source_errors(world: World, served: dict[str, object]) -> None:
    text = served.pop("text")
    world.server.set(PAGE, text, **served)  # type: ignore[arg-type]
    assert await world.poll(timeout=0.5) == ["error"]
    state = await world.store.source_state(world.server.url(PAGE))
    assert state is not None and state.failing and state.last_error
    assert await world.store.count_summaries() == 0
    assert b'strikebot_source_polls_total{outcome="error"' in world.metrics.render()


async def test_xml_entities_are_not_expanded_without_bound(world: World) -> None:
    world.server.set("/feed", BOMB, content_type="application/rss+xml")
    started = time.monotonic()
    outcome = await world.poll(paths=("/feed",))
    assert time.monotonic() - started < 5
    assert outcome in (["ok"], ["error"])
    assert await world.store.count_summaries() == 0


async def test_two_processes_on_postgresql_poll_a_source_once_between_them(world: World) -> None:
    from tests.storage.postgres_schema import postgres_store

    world.server.set(PAGE, preview_page([(1, NOT_A_REPORT)]))
    async for first in postgres_store():
        from storage import open_store
        from tests.storage.postgres_schema import PG_URL

        schema_url = first._database.url  # type: ignore[attr-defined]
        async with open_store(schema_url) as second:
            pollers = []
            for store in (first, second):
                desk = ReportDesk(HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv")), {}, [], mode="auto")
                pollers.append(SourcePoller(store, [world.server.url(PAGE)], desk, config=PollerConfig(interval=60)))
            async with pollers[0], pollers[1]:
                outcomes = await asyncio.gather(pollers[0].poll(world.server.url(PAGE)), pollers[1].poll(world.server.url(PAGE)))
                assert sorted(outcomes) == ["leased", "ok"]
                assert len(world.server.requests) == 1
        assert PG_URL
