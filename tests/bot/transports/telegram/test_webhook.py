"""Telegram webhook mode: setWebhook at start, the secret header checked, each update id answered once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.transports.telegram.reception import WebhookConfig
from bot.transports.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH, TelegramWebhook
from tests.bot.transports.telegram.stand_in import seen, stand_in
from tests.bot.transports.telegram.support import open_test_store, running_transport
from tests.fakes.telegram.api import FakeBotAPI

SECRET = "s3cret-webhook-token_1"


async def _serve(webhook: TelegramWebhook) -> tuple[web.AppRunner, str]:
    app = web.Application()
    webhook.add_to(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}{WEBHOOK_PATH}"


async def test_webhook_checks_the_secret_and_answers_an_update_once(
    fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    chat = fake.private_chat(alice)
    config = WebhookConfig("https://bot.example.org/telegram/webhook", SECRET)
    async with open_test_store(tmp_path) as store, running_transport(fake, store, stand_in, webhook=config) as bot:
        [registered] = fake.calls("setWebhook")
        assert registered.params["url"] == config.url
        assert registered.params["secret_token"] == SECRET
        assert set(registered.params["allowed_updates"]) == {"message", "channel_post", "callback_query", "my_chat_member"}
        assert not fake.calls("getUpdates"), "webhook mode never polls"
        runner, url = await _serve(TelegramWebhook(SECRET, bot.reception.feed))
        try:
            fake.push_message(chat, alice, "/echo hello")
            update = fake.updates[-1]
            async with aiohttp.ClientSession() as http:
                for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
                    async with http.post(url, json=update, headers=headers) as response:
                        assert response.status == 401
                await asyncio.sleep(0.3)
                assert fake.sent(chat) == [] and seen == [], "a refused request handles nothing"
                # Telegram retries an update whose answer came late: the copy is dropped
                for _ in range(3):
                    async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                        assert response.status == 200
                async with http.post(url, data=b"nope", headers={SECRET_HEADER: SECRET}) as response:
                    assert response.status == 400
            [reply] = await fake.wait_sent(1, chat_id=chat)
            await asyncio.sleep(0.5)
            assert len(fake.sent(chat)) == 1
            assert "args=hello" in (reply.text or "")
        finally:
            await runner.cleanup()
