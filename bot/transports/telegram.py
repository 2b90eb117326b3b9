"""Telegram adapter: long polling, commands and buttons → handlers, replies as HTML.

It is also the delivery Transport for Telegram (render / send / edit through
TelegramOutbox on the same Bot and its aiohttp request pool).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType

from telegram import CallbackQuery, ChatMember, ChatMemberUpdated, Update
from telegram import Message as TgMessage
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.transport import Outcome, SendResult, Target
from bot.transports.telegram_admins import ChatAdminCache
from bot.transports.telegram_menu import CommandMenu, default_menus, register_menus
from bot.transports.telegram_order import PerChatOrderProcessor
from bot.transports.telegram_outbox import TelegramOutbox
from bot.transports.telegram_render import TelegramPayload
from bot.transports.telegram_request import AiohttpRequest
from bot.transports.telegram_updates import (
    PLATFORM,
    chat_kind,
    is_uk,
    parse_command,
    sender,
    thread_id,
)
from handlers.context import ChatKind, CommandContext, HandlerDeps, Identity, Message

log = logging.getLogger(__name__)

Handle = Callable[[CommandContext, HandlerDeps], Awaitable[list[Message]]]

_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]
_OOPS = {
    "en": "Sorry, something went wrong. Please try again later.",
    "uk": "Вибачте, щось пішло не так. Спробуйте пізніше.",
}


def _default_handle() -> Handle:
    from handlers.router import handle  # late: the router imports every command module

    return handle


class TelegramStartError(RuntimeError):
    """The bot could not start: token refused or Bot API unreachable (message is user-facing)."""


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
        command_menu: CommandMenu | None = None,
        admin_menu: CommandMenu | None = None,
        poll_timeout: float = 10.0,
        admin_cache_seconds: float = 60.0,
        concurrent_updates: int = 16,
        connection_pool_size: int = 256,
    ) -> None:
        # PTB 22 warns on every RetryAfter unless opted into timedelta durations;
        # this adapter reads both forms (telegram_outbox.retry_after_seconds)
        os.environ.setdefault("PTB_TIMEDELTA", "1")
        root = self._root = api_url.rstrip("/")
        self.deps = deps
        self.admins = frozenset(a.strip() for a in admins if a.strip())
        self._handle = handle
        self._menu = command_menu
        self._admin_menu = admin_menu
        self._poll_timeout = poll_timeout
        self._known_commands: frozenset[str] = frozenset()
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
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.outbox = TelegramOutbox(self.app.bot)
        self._admins_cache = ChatAdminCache(self.app.bot, admin_cache_seconds)

    # ----- lifetime -----

    async def __aenter__(self) -> TelegramTransport:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """getMe, command menus, then long polling (pending updates are kept, not dropped)."""
        try:
            await self.app.initialize()
        except InvalidToken:
            await self._shutdown()
            raise TelegramStartError("Telegram refused STRIKEBOT_TELEGRAM_TOKEN (check it with BotFather)") from None
        except TelegramError as exc:
            await self._shutdown()
            raise TelegramStartError(f"Telegram Bot API at {self._root} did not answer getMe: {exc}") from None
        try:
            await self._setup()
            await self.app.start()
            await self.app.updater.start_polling(  # type: ignore[union-attr]
                timeout=int(self._poll_timeout),
                allowed_updates=_UPDATES,
                drop_pending_updates=False,
            )
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
        self._known_commands = await register_menus(
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
        return await self.outbox.send(target, rendered, reply_to=reply_to)

    async def edit(self, target: Target, message_id: str, rendered: TelegramPayload) -> SendResult:
        """Edit a message sent earlier (corrections, retractions)."""
        return await self.outbox.edit(target, message_id, rendered)

    # ----- incoming -----

    async def _on_update(self, update: object, _: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        if update.callback_query is not None:
            await self._on_callback(update.callback_query)
            return
        if update.my_chat_member is not None:
            await self._on_membership(update.my_chat_member)
            return
        message = update.message or update.channel_post
        if message is not None:
            await self._on_message(message)

    async def _on_membership(self, change: ChatMemberUpdated) -> None:
        # removed from a group or channel, or blocked in a private chat: stop at once
        # rather than at the next alert's 403
        if change.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
            count = await self.deps.store.deactivate_chat(PLATFORM, str(change.chat.id))
            if count:
                log.info("bot removed from chat %s: %d subscription(s) switched off", change.chat.id, count)

    async def _on_message(self, message: TgMessage) -> None:
        chat = message.chat
        if message.migrate_to_chat_id:
            # the group became a supergroup: its subscription follows before the next alert
            await self.deps.store.move_chat(PLATFORM, str(chat.id), str(message.migrate_to_chat_id))
            return
        parsed = parse_command(message.text, self.username)
        if parsed is None:
            return
        kind = chat_kind(chat, message)
        # in groups another bot's commands arrive too (privacy mode off, or a bare /help):
        # answer only ours, or any command explicitly addressed to us
        if kind != ChatKind.PRIVATE and not parsed.addressed and self._known_commands:
            if parsed.name not in self._known_commands:
                return
        user, speaks_for_chat = sender(message)
        lang = message.from_user.language_code if message.from_user else None
        thread = thread_id(message)
        ctx = CommandContext(
            platform=PLATFORM,
            chat_id=str(chat.id),
            chat_kind=kind,
            user=user,
            command=parsed.name,
            args=parsed.args,
            thread_id=thread,
            is_bot_admin=user is not None and not speaks_for_chat and user.key in self.admins,
            locale=await self._locale(str(chat.id), thread, lang),
            chat_admin_check=self._admin_check(chat.id, message.from_user.id if message.from_user else None, speaks_for_chat),
        )
        await self._run(ctx, Target(str(chat.id), thread), origin=None)

    async def _on_callback(self, query: CallbackQuery) -> None:
        carrier = query.message
        if carrier is None or query.data is None:
            await _answer_query(query, [])
            return
        chat = carrier.chat
        thread = thread_id(carrier)
        user = Identity(PLATFORM, str(query.from_user.id), query.from_user.full_name)
        ctx = CommandContext(
            platform=PLATFORM,
            chat_id=str(chat.id),
            chat_kind=chat_kind(chat, carrier),
            user=user,
            command="callback",
            callback=query.data,
            thread_id=thread,
            is_bot_admin=user.key in self.admins,
            locale=await self._locale(str(chat.id), thread, query.from_user.language_code),
            chat_admin_check=self._admin_check(chat.id, query.from_user.id, False),
        )
        replies = await self._replies(ctx)
        # a group has no private messages: a private reply to a press (a refusal, say)
        # becomes the press's own pop-up instead of a message everyone sees
        notes = [r for r in replies if r.private] if ctx.chat_kind != ChatKind.PRIVATE else []
        await _answer_query(query, notes)
        for reply in replies:
            if reply not in notes:
                await self._deliver_reply(reply, Target(str(chat.id), thread), str(carrier.message_id))

    async def _run(self, ctx: CommandContext, target: Target, *, origin: str | None) -> None:
        for reply in await self._replies(ctx):
            await self._deliver_reply(reply, target, origin)

    async def _replies(self, ctx: CommandContext) -> list[Message]:
        handle = self._handle or _default_handle()
        try:
            return await handle(ctx, self.deps)
        except Exception:
            log.exception("command /%s failed in %s", ctx.command, ctx.chat_kind)
            return [Message(lines=[_OOPS.get(ctx.locale, _OOPS["en"])])]

    async def _deliver_reply(self, reply: Message, target: Target, origin: str | None) -> None:
        payload = self.render(reply)
        result: SendResult | None = None
        if reply.replace and origin is not None:
            result = await self.edit(target, origin, payload)
            if result.outcome == Outcome.NOT_EDITABLE:
                result = None  # the button's message is gone: answer with a new one
        if result is None:
            result = await self.send(target, payload)
        if result.outcome != Outcome.OK:
            log.warning("reply to chat %s not delivered: %s %s", target.chat_id, result.outcome, result.error)

    async def _locale(self, chat_id: str, thread: str | None, language_code: str | None) -> str:
        """The chat's chosen language, else the user's if Ukrainian, else the default."""
        sub = await self.deps.store.get_subscription(PLATFORM, chat_id, thread)
        if sub is not None and sub.locale:
            return sub.locale
        if is_uk(language_code):
            return "uk"
        return self.deps.default_locale

    def _admin_check(
        self, chat_id: int, user_id: int | None, speaks_for_chat: bool
    ) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            if speaks_for_chat:
                return True
            if user_id is None:
                return False
            return await self.is_chat_admin(chat_id, user_id)

        return check

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        """getChatMember says administrator or creator (cached briefly)."""
        return await self._admins_cache.is_admin(chat_id, user_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %r", context.error, exc_info=context.error)


async def _answer_query(query: CallbackQuery, notes: list[Message]) -> None:
    """Stop the button's spinner, showing `notes` to the presser alone (Telegram allows 200 characters)."""
    text = " ".join(part for m in notes for part in (m.title, *m.lines) if part)
    try:
        if text:
            await query.answer(text[:200], show_alert=True)
        else:
            await query.answer()
    except TelegramError as exc:  # too old a query: the press was still acted on
        log.info("answerCallbackQuery failed: %s", exc)
