"""The Telegram webhook endpoint on the bot's HTTP server: POST /telegram/webhook.

Telegram puts TELEGRAM_WEBHOOK_SECRET in X-Telegram-Bot-Api-Secret-Token on
every request; a request without it, or with another value, is answered 401
and nothing in it is handled. Copies of an update are dropped further on
(bot/transports/telegram/reception.py), on whichever instance they land.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; a photo caption and entities fit well within this
MAX_UPDATE_BYTES = 1 << 20


class TelegramWebhook:
    """The aiohttp handler: secret checked in constant time, then the update fed to the transport."""

    def __init__(self, secret: str, feed: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """`feed` queues one update (UpdateReception.feed)."""
        self._secret = secret.encode()
        self._feed = feed

    def add_to(self, app: web.Application) -> None:
        """Serve the endpoint on `app` (before it starts)."""
        app.router.add_post(WEBHOOK_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """One update from Telegram: 401 without the right secret, 400 for a body that is no update, else 200."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram webhook request refused: wrong or missing secret token")
            return web.json_response({"ok": False, "error": "wrong secret token"}, status=401)
        if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
            return web.json_response({"ok": False, "error": "body too large"}, status=413)
        try:
            data = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"ok": False, "error": "body too large"}, status=413)
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        await self._feed(data)
        return web.json_response({"ok": True})
