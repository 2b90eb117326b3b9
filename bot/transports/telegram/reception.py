"""How Telegram updates reach the bot: long polling (by the leader alone) or a webhook; copies of an update dropped.

Polling: only one process may call getUpdates for a bot, so with several
instances the leader polls and the others wait to take over. Webhook: Telegram
posts every update to TELEGRAM_WEBHOOK_URL, which the reverse proxy sends to any
instance's HTTP server (bot/transports/telegram/webhook.py). Either way an
update id is handled once: the ledger drops the copies Telegram sends again
(a late webhook answer, an update fetched again after a hand-over).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.cluster.updates_seen import MemoryLedger, UpdateLedger
from bot.transports.telegram.updates import PLATFORM

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookConfig:
    """TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET."""

    url: str
    secret: str


class UpdateReception:
    """Starts and stops polling, registers the webhook, feeds webhook updates, and drops copies."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        *,
        allowed_updates: Sequence[str],
        poll_timeout: float,
        ledger: UpdateLedger | None = None,
        webhook: WebhookConfig | None = None,
        poll_at_start: bool = True,
    ) -> None:
        """`poll_at_start` False: polling waits for `start_polling()` (this instance became the leader)."""
        self._app = app
        self._allowed = list(allowed_updates)
        self._poll_timeout = poll_timeout
        self._ledger = ledger or MemoryLedger()
        self.webhook = webhook
        self._poll_at_start = poll_at_start

    async def drop_copies(self, update: object, _: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB handler run before the others: stop an update whose id was already handled."""
        if not isinstance(update, Update):
            return
        try:
            first = await self._ledger.claim(PLATFORM, update.update_id)
        except Exception as exc:  # the ledger's database is away: handling twice beats not answering
            log.warning("could not check update %s for copies: %s", update.update_id, exc)
            return
        if not first:
            log.info("update %s was already handled: dropped", update.update_id)
            raise ApplicationHandlerStop

    async def start(self) -> None:
        """Register the webhook, or start polling unless it waits for leadership."""
        if self.webhook is not None:
            await self._app.bot.set_webhook(
                self.webhook.url, secret_token=self.webhook.secret, allowed_updates=self._allowed
            )
            log.info("telegram webhook set", extra={"url": self.webhook.url})
        elif self._poll_at_start:
            await self.start_polling()

    async def start_polling(self) -> None:
        """Call getUpdates from now on (pending updates are kept, not dropped); nothing in webhook mode."""
        updater = self._app.updater
        if self.webhook is not None or updater is None or updater.running:
            return
        await updater.start_polling(
            timeout=int(self._poll_timeout), allowed_updates=self._allowed, drop_pending_updates=False
        )
        log.info("telegram polling started")

    async def stop_polling(self) -> None:
        """Stop calling getUpdates (another instance leads now)."""
        updater = self._app.updater
        if updater is not None and updater.running:
            await updater.stop()
            log.info("telegram polling stopped")

    async def feed(self, data: dict[str, Any]) -> None:
        """Queue one update that came through the webhook."""
        update = Update.de_json(data, self._app.bot)
        if update is not None:
            await self._app.update_queue.put(update)
