"""Telegram adapter: long polling, commands and buttons → handlers, replies as HTML.

It is also the delivery Transport for Telegram (render / send / edit through
TelegramOutbox on the same Bot and its aiohttp request pool).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import TracebackType

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, TypeHandler

from bot.cluster.updates_seen import UpdateLedger
from bot.delivery.replies import ReplyPacer
from bot.transports.base import SendResult, Target, TokenRefused
from bot.transports.telegram.admins import ChatAdminCache
from bot.transports.telegram.incoming import Handle, IncomingUpdates
from bot.transports.telegram.menu import CommandMenu, default_menus, register_menus
from bot.transports.telegram.order import PerChatOrderProcessor
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.reception import UpdateReception, WebhookConfig
from bot.transports.telegram.render import TelegramPayload
from bot.transports.telegram.request import AiohttpRequest
from bot.transports.telegram.updates import PLATFORM
from handlers.context import HandlerDeps, Message

log = logging.getLogger(__name__)

_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]


class TelegramStartError(RuntimeError):
    """The bot could not start: token refused or Bot API unreachable (message is user-facing)."""


class TelegramTokenRefused(TelegramStartError, TokenRefused):
    """getMe said the token is not a bot's."""


class TelegramTransport:
    """The Telegram bot: `async with` starts polling and stops it cleanly.

    Sends go through an aiohttp pool without PTB's rate limiter so the
    dispatcher sees every 429 and paces itself; getUpdates has its own pool so
    a long poll never holds a sending connection.
    """

    platform = PLATFORM

    def __init__(
        self,
        token: str,
        deps: HandlerDeps,
        *,
        api_url: str = "https://api.telegram.org",
        admins: Iterable[str] = (),
        handle: Handle | None = None,
        # paces replies to commands within the bot's budget shared with alerts (the app's)
        pacer: ReplyPacer | None = None,
        command_menu: CommandMenu | None = None,
        admin_menu: CommandMenu | None = None,
        poll_timeout: float = 10.0,
        admin_cache_seconds: float = 60.0,
        concurrent_updates: int = 16,
        connection_pool_size: int = 256,
        webhook: WebhookConfig | None = None,
        ledger: UpdateLedger | None = None,
        poll_at_start: bool = True,
        paid_broadcast: bool = False,
    ) -> None:
        """`webhook` receives updates through TELEGRAM_WEBHOOK_URL instead of polling; `poll_at_start`
        False waits for `reception.start_polling()` (several instances: the leader polls); `ledger`
        remembers handled update ids (shared by the instances). `paid_broadcast` sends the alerts
        (not the replies) with allow_paid_broadcast, billed in Stars.
        """
        root = self._root = api_url.rstrip("/")
        self.deps = deps
        self.admins = frozenset(a.strip() for a in admins if a.strip())
        self._menu = command_menu
        self._admin_menu = admin_menu
        self._running = False
        # one pool for sends, one for the long poll (PTB adds the poll timeout to its read timeout)
        self._requests = (AiohttpRequest(connection_pool_size=connection_pool_size), AiohttpRequest(connection_pool_size=2))
        self.app: Application = (  # type: ignore[type-arg]
            Application.builder()
            .token(token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .concurrent_updates(PerChatOrderProcessor(concurrent_updates))
            .build()
        )
        self.outbox = TelegramOutbox(self.app.bot)
        # the dispatcher's alerts; replies to commands stay free (self.outbox)
        self.alerts = TelegramOutbox(self.app.bot, paid_broadcast=True) if paid_broadcast else self.outbox
        self.incoming = IncomingUpdates(
            deps,
            self.outbox,
            ChatAdminCache(self.app.bot, admin_cache_seconds),
            admins=self.admins,
            bot_username=lambda: self.username,
            handle=handle,
            pacer=pacer,
        )
        self.reception = UpdateReception(
            self.app,
            allowed_updates=_UPDATES,
            poll_timeout=poll_timeout,
            ledger=ledger,
            webhook=webhook,
            poll_at_start=poll_at_start,
        )
        self.app.add_handler(TypeHandler(Update, self.reception.drop_copies), group=-1)
        self.app.add_handler(TypeHandler(Update, self.incoming.on_update))
        self.app.add_error_handler(self.incoming.on_error)

    # ----- lifetime -----

    async def __aenter__(self) -> TelegramTransport:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """getMe, command menus, then long polling (pending updates are kept, not dropped) or the webhook."""
        try:
            await self.app.initialize()
        except InvalidToken:
            await self._shutdown()
            raise TelegramTokenRefused("Telegram refused STRIKEBOT_TELEGRAM_TOKEN (check it with BotFather)") from None
        except TelegramError as exc:
            await self._shutdown()
            raise TelegramStartError(f"Telegram Bot API at {self._root} did not answer getMe: {exc}") from None
        try:
            await self._setup()
            await self.app.start()
            await self.reception.start()
        except BaseException:
            await self._shutdown()
            raise
        self._running = True
        log.info("telegram transport started as @%s", self.app.bot.username)

    async def stop(self) -> None:
        """Stop polling, finish in-flight updates, close the HTTP pools."""
        if not self._running:
            return
        self._running = False
        await self._shutdown()
        log.info("telegram transport stopped")

    async def _shutdown(self) -> None:
        updater = self.app.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        # a failed initialize leaves PTB "not initialized", so its shutdown skips the pools
        for request in self._requests:
            await request.shutdown()

    async def _setup(self) -> None:
        """What post_init would do: run_polling is not used, so register the command menus here."""
        if self._menu is None:
            self._menu, default_admin_menu = default_menus()
            self._admin_menu = self._admin_menu or default_admin_menu
        self.incoming.known_commands = await register_menus(
            self.app.bot,
            self._menu,
            self._admin_menu or self._menu,
            admins=self.admins,
            default_locale=self.deps.default_locale,
        )

    @property
    def username(self) -> str | None:
        """The bot's @username (known after start)."""
        try:
            name: str | None = self.app.bot.username
            return name
        except RuntimeError:
            return None

    # ----- delivery Transport protocol -----

    def render(self, message: Message) -> TelegramPayload:
        """Neutral Message → Telegram HTML payload."""
        return self.outbox.render(message)

    async def send(
        self, target: Target, rendered: TelegramPayload, *, reply_to: str | None = None
    ) -> SendResult:
        """Send a rendered message; the outcome tells the dispatcher what to do next."""
        return await self.alerts.send(target, rendered, reply_to=reply_to)

    async def edit(self, target: Target, message_id: str, rendered: TelegramPayload) -> SendResult:
        """Edit a message sent earlier (corrections, retractions)."""
        return await self.outbox.edit(target, message_id, rendered)
