"""Incoming Telegram updates: commands, button presses and membership changes → handlers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, ChatMember, ChatMemberUpdated, Update
from telegram import Message as TgMessage
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.replies import ReplyPacer
from bot.transports.base import Outcome, SendResult, Target
from bot.transports.telegram.admins import ChatAdminCache
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.updates import (
    PLATFORM,
    chat_kind,
    is_uk,
    parse_command,
    quoted,
    sender,
    thread_id,
)
from handlers.context import ChatKind, CommandContext, HandlerDeps, Identity, Message

log = logging.getLogger(__name__)

Handle = Callable[[CommandContext, HandlerDeps], Awaitable[list[Message]]]

_OOPS = {
    "en": "Sorry, something went wrong. Please try again later.",
    "uk": "Вибачте, щось пішло не так. Спробуйте пізніше.",
}


def _default_handle() -> Handle:
    from handlers.router import handle  # late: the router imports every command module

    return handle


class IncomingUpdates:
    """The receiving half of the Telegram bot: updates in, handler replies out through the outbox."""

    def __init__(
        self,
        deps: HandlerDeps,
        outbox: TelegramOutbox,
        admin_cache: ChatAdminCache,
        *,
        admins: frozenset[str],
        bot_username: Callable[[], str | None],
        handle: Handle | None = None,
        pacer: ReplyPacer | None = None,
    ) -> None:
        """Answer through `outbox`, each reply paced by `pacer` (the bot's budget shared with alerts)."""
        self._deps = deps
        self._outbox = outbox
        self._pacer = pacer or ReplyPacer.unshared()
        self._admin_cache = admin_cache
        self._admins = admins
        self._bot_username = bot_username
        self._handle = handle
        # the commands of our menus; empty (answer every command) until they are registered
        self.known_commands: frozenset[str] = frozenset()

    async def on_update(self, update: object, _: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's handler for every update: route commands, button presses and membership changes."""
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

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler: an update whose handling raised is logged, polling goes on."""
        log.error("telegram update failed: %r", context.error, exc_info=context.error)

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        """getChatMember says administrator or creator (cached briefly)."""
        return await self._admin_cache.is_admin(chat_id, user_id)

    async def _on_membership(self, change: ChatMemberUpdated) -> None:
        # removed from a group or channel, or blocked in a private chat: stop at once
        # rather than at the next alert's 403
        if change.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
            count = await self._deps.store.deactivate_chat(PLATFORM, str(change.chat.id))
            if count:
                log.info("bot removed from chat %s: %d subscription(s) switched off", change.chat.id, count)

    async def _on_message(self, message: TgMessage) -> None:
        chat = message.chat
        if message.migrate_to_chat_id:
            # the group became a supergroup: its subscription follows before the next alert
            await self._deps.store.move_chat(PLATFORM, str(chat.id), str(message.migrate_to_chat_id))
            return
        parsed = parse_command(message.text, self._bot_username())
        if parsed is None:
            return
        kind = chat_kind(chat, message)
        # in groups another bot's commands arrive too (privacy mode off, or a bare /help):
        # answer only ours, or any command explicitly addressed to us
        if (
            kind != ChatKind.PRIVATE
            and not parsed.addressed
            and self.known_commands
            and parsed.name not in self.known_commands
        ):
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
            is_bot_admin=user is not None and not speaks_for_chat and user.key in self._admins,
            locale=await self._locale(str(chat.id), thread, lang),
            chat_admin_check=self._admin_check(chat.id, message.from_user.id if message.from_user else None, speaks_for_chat),
            quoted=quoted(message),
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
            is_bot_admin=user.key in self._admins,
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
            return await handle(ctx, self._deps)
        except Exception:
            log.exception("command /%s failed in %s", ctx.command, ctx.chat_kind)
            return [Message(lines=[_OOPS.get(ctx.locale, _OOPS["en"])])]

    async def _deliver_reply(self, reply: Message, target: Target, origin: str | None) -> None:
        payload = self._outbox.render(reply)
        result: SendResult | None = None
        if reply.replace and origin is not None:
            result = await self._pacer.deliver(target.chat_id, lambda: self._outbox.edit(target, origin, payload))
            if result.outcome == Outcome.NOT_EDITABLE:
                result = None  # the button's message is gone: answer with a new one
        if result is None:
            result = await self._pacer.deliver(target.chat_id, lambda: self._outbox.send(target, payload))
        if result.outcome != Outcome.OK:
            log.warning("reply to chat %s not delivered: %s %s", target.chat_id, result.outcome, result.error)

    async def _locale(self, chat_id: str, thread: str | None, language_code: str | None) -> str:
        """The chat's chosen language, else the user's if Ukrainian, else the default."""
        sub = await self._deps.store.get_subscription(PLATFORM, chat_id, thread)
        if sub is not None and sub.locale:
            return sub.locale
        if is_uk(language_code):
            return "uk"
        return self._deps.default_locale

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
