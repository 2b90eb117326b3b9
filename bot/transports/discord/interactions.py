"""Slash commands and button presses → CommandContext → router → replies inside Discord's 3-second window."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from typing import Any

import aiohttp
import discord

from bot.delivery.replies import ReplyPacer
from bot.transports.base import Outcome, SendResult
from bot.transports.discord.outbox import classify
from bot.transports.discord.render import BLANK, RenderedMessage, render_embed
from handlers.context import ChatKind, CommandContext, HandlerDeps, Identity, Message, Quoted

log = logging.getLogger(__name__)

HandleFn = Callable[[CommandContext, HandlerDeps], Awaitable[list[Message]]]
AnyInteraction = discord.Interaction[Any]

PLATFORM = "discord"
# Discord drops an interaction not answered within 3 s; leave room for the round trip
DEFAULT_REPLY_BUDGET = 2.0
# commands whose replies only the asker should see (queue, chat ids, previews), deferred or not
PRIVATE_COMMANDS = frozenset({"post", "correct", "retract", "broadcast", "status", "settings"})


def _default_handle() -> HandleFn:
    # imported late so this module loads before the router exists (parallel development)
    from handlers.router import handle

    return handle


def chat_of(interaction: AnyInteraction) -> tuple[str, str | None, ChatKind]:
    """(chat_id, thread_id, kind) of the place the interaction came from."""
    channel = interaction.channel
    channel_id = str(interaction.channel_id or (channel.id if channel is not None else 0))
    if interaction.guild_id is None:
        return channel_id, None, ChatKind.PRIVATE
    if isinstance(channel, discord.Thread):
        # a thread's subscription belongs to the thread; its parent is the chat
        return str(channel.parent_id), str(channel.id), ChatKind.FORUM_TOPIC
    return channel_id, None, ChatKind.GROUP


def message_text(message: discord.Message) -> str:
    """What a reader sees of a message: its content, else its embeds' titles and descriptions (an announcement)."""
    if message.content.strip():
        return message.content
    parts = [part for embed in message.embeds for part in (embed.title, embed.description) if part]
    return "\n".join(parts)


def locale_of(interaction: AnyInteraction, default: str) -> str:
    """The asker's Discord client language when we have it (uk), else the bot's default."""
    return "uk" if str(interaction.locale).startswith("uk") else default


class InteractionRunner:
    """Turns interactions into router calls and the router's Messages into interaction replies."""

    def __init__(
        self,
        deps: HandlerDeps,
        *,
        admins: Collection[str] = (),
        handle: HandleFn | None = None,
        reply_budget: float = DEFAULT_REPLY_BUDGET,
        pacer: ReplyPacer | None = None,
    ) -> None:
        """Answer within `reply_budget` seconds (or defer); every REST call of an answer paced by `pacer`."""
        self.deps = deps
        self._admins = frozenset(admins)
        self._handle = handle
        self._reply_budget = reply_budget
        self._pacer = pacer or ReplyPacer.unshared()

    @property
    def handle(self) -> HandleFn:
        """The router's handle(); resolved on first use."""
        if self._handle is None:
            self._handle = _default_handle()
        return self._handle

    async def context(
        self,
        interaction: AnyInteraction,
        command: str,
        args: str = "",
        callback: str | None = None,
        quoted: Quoted | None = None,
    ) -> CommandContext:
        """The neutral CommandContext for one interaction."""
        chat_id, thread_id, kind = chat_of(interaction)
        user = interaction.user
        identity = Identity(PLATFORM, str(user.id), user.display_name) if user is not None else None
        locale = locale_of(interaction, self.deps.default_locale)
        sub = await self.deps.store.get_subscription(PLATFORM, chat_id, thread_id)
        if sub is not None:
            # the chat's chosen language (/lang) wins over the asker's client language
            locale = sub.locale
        permissions = interaction.permissions

        async def manages_channel() -> bool:
            # Discord resolves the member's permissions in this very channel (overwrites included)
            return permissions.manage_channels or permissions.administrator

        return CommandContext(
            platform=PLATFORM,
            chat_id=chat_id,
            chat_kind=kind,
            user=identity,
            command=command,
            args=args,
            thread_id=thread_id,
            is_bot_admin=identity is not None and identity.key in self._admins,
            locale=locale,
            callback=callback,
            chat_admin_check=manages_channel,
            quoted=quoted,
        )

    async def run_command(self, interaction: AnyInteraction, command: str, args: str) -> None:
        """One slash command: route it and answer (deferring when the router is slow)."""
        ctx = await self.context(interaction, command, args)
        await self._answer(interaction, ctx, private=command in PRIVATE_COMMANDS)

    async def run_on_message(self, interaction: AnyInteraction, command: str, message: discord.Message) -> None:
        """A message command: `command` with no arguments, as if sent in reply to `message`."""
        ctx = await self.context(interaction, command, quoted=Quoted(message_text(message)))
        await self._answer(interaction, ctx, private=command in PRIVATE_COMMANDS)

    async def run_callback(self, interaction: AnyInteraction, data: str) -> None:
        """One button press: route it as `ctx.callback`."""
        ctx = await self.context(interaction, "callback", callback=data)
        await self._answer(interaction, ctx, private=False)

    async def _answer(self, interaction: AnyInteraction, ctx: CommandContext, *, private: bool) -> None:
        task = asyncio.ensure_future(self.handle(ctx, self.deps))
        done, _ = await asyncio.wait({task}, timeout=self._reply_budget)
        public_placeholder = False
        if not done:
            if interaction.type == discord.InteractionType.component:
                await self._call(interaction, interaction.response.defer)
            else:
                await self._call(interaction, partial(interaction.response.defer, ephemeral=private, thinking=True))
                public_placeholder = not private
        try:
            messages = await task
        except Exception:
            log.exception("command %s failed", ctx.command)
            messages = [Message(lines=["⚠️ Something went wrong; the error is in the bot's log."], private=True)]
        rendered = [render_embed(m) for m in messages]
        if public_placeholder and rendered and rendered[0].private:
            # the first follow-up would fill the public "thinking…" placeholder; a private answer
            # (a refusal, say) must not, so the placeholder goes and the answer follows ephemerally
            await self._call(interaction, interaction.delete_original_response)
        await self._reply(interaction, rendered, private=private)

    async def _reply(self, interaction: AnyInteraction, rendered: list[RenderedMessage], *, private: bool) -> None:
        response = interaction.response
        is_component = interaction.type == discord.InteractionType.component
        if not rendered:
            if not response.is_done():
                if is_component:
                    await self._call(interaction, response.defer)
                else:
                    await self._call(interaction, partial(response.send_message, BLANK + "✓", ephemeral=True))
            return
        for index, item in enumerate(rendered):
            ephemeral = private or item.private
            if is_component and item.replace and index == 0:
                if response.is_done():
                    await self._call(interaction, partial(interaction.edit_original_response, **item.edit_kwargs()))
                else:
                    await self._call(interaction, partial(response.edit_message, **item.edit_kwargs()))
            elif not response.is_done():
                await self._call(interaction, partial(response.send_message, ephemeral=ephemeral, **item.send_kwargs()))
            else:
                await self._call(interaction, partial(interaction.followup.send, ephemeral=ephemeral, **item.send_kwargs()))

    async def _call(self, interaction: AnyInteraction, request: Callable[[], Awaitable[object]]) -> None:
        """One REST call of an answer, paced with the alerts and tried again after a 429; a failure is logged."""
        chat_id = str(interaction.channel_id or 0)

        async def attempt() -> SendResult:
            try:
                await request()
            except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError) as exc:
                return classify(exc)
            return SendResult(Outcome.OK)

        result = await self._pacer.deliver(chat_id, attempt)
        if result.outcome != Outcome.OK:
            log.warning("reply in channel %s not delivered: %s %s", chat_id, result.outcome, result.error)
