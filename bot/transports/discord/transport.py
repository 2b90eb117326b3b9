"""The Discord transport: discord.py client lifecycle, slash command sync, and the outbox Transport."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Sequence
from typing import Any

import aiohttp
import discord
from discord.http import Route

from bot.delivery.replies import ReplyPacer
from bot.transports.base import SendResult, Target, TokenRefused
from bot.transports.discord.commands.translator import CatalogTranslator
from bot.transports.discord.commands.tree import build_tree
from bot.transports.discord.interactions import DEFAULT_REPLY_BUDGET, HandleFn, InteractionRunner
from bot.transports.discord.outbox import DiscordOutbox
from bot.transports.discord.render import CallbackButton, RenderedMessage, render_embed
from handlers.context import HandlerDeps, Message

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
# discord.py sleeps through shorter 429s itself; longer ones come back to the dispatcher
MAX_RATELIMIT_SLEEP = 30.0


class NoVoiceWarnings(logging.Filter):
    """Drops discord.py's "PyNaCl / davey is not installed, voice will NOT be supported": this bot has no voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def _silence_voice_warnings() -> None:
    """Filter the voice warnings on discord.client, the one logger that prints them, once per process."""
    client_log = logging.getLogger("discord.client")
    if not any(isinstance(f, NoVoiceWarnings) for f in client_log.filters):
        client_log.addFilter(NoVoiceWarnings())


def minimum_intents() -> discord.Intents:
    """Only GUILDS: slash commands and buttons arrive as interactions, which need no intent."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class StrikeClient(discord.AutoShardedClient):
    """discord.py client that syncs the command tree at login and signals readiness.

    AutoShardedClient because it asks `GET {base}/gateway/bot` for the gateway
    address (the plain Client dials Discord's fixed gateway host).
    """

    def __init__(
        self,
        runner: InteractionRunner,
        *,
        guild_ids: Sequence[int],
        guild_ready_timeout: float,
        ready: asyncio.Event,
    ) -> None:
        super().__init__(
            intents=minimum_intents(),
            guild_ready_timeout=guild_ready_timeout,
            max_ratelimit_timeout=MAX_RATELIMIT_SLEEP,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.runner = runner
        self.tree = build_tree(self, runner)
        self._guild_ids = tuple(guild_ids)
        self._ready_event = ready

    async def setup_hook(self) -> None:
        """Register the persistent buttons and sync slash commands (globally or per guild)."""
        self.add_dynamic_items(CallbackButton)
        try:
            await self.tree.set_translator(CatalogTranslator())
            if self._guild_ids:
                for guild_id in self._guild_ids:
                    guild = discord.Object(id=guild_id)
                    self.tree.copy_global_to(guild=guild)
                    await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()
        except discord.HTTPException:
            # the bot still delivers alerts without commands; the log says why they are missing
            log.exception("syncing Discord slash commands failed")

    async def on_ready(self) -> None:
        """Gateway connected and guilds received."""
        log.info("discord connected as %s in %d guild(s)", self.user, len(self.guilds))
        self._ready_event.set()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was kicked from a server (or it was deleted): its channels' alerts stop now."""
        count = 0
        for channel in guild.channels:
            # a thread's subscription is keyed by its parent channel, so channels cover threads
            count += await self.runner.deps.store.deactivate_chat("discord", str(channel.id))
        if count:
            log.info("removed from guild %s: %d subscription(s) switched off", guild.id, count)


class DiscordTransport:
    """Discord for `strikebot run`: use with `async with`, await `.ready`, hand it to the dispatcher."""

    platform = "discord"

    def __init__(
        self,
        token: str,
        deps: HandlerDeps,
        *,
        api_url: str = DEFAULT_API_URL,
        guild_ids: Sequence[int] = (),
        admins: Collection[str] = (),
        guild_ready_timeout: float = 2.0,
        handle: HandleFn | None = None,
        reply_budget: float = DEFAULT_REPLY_BUDGET,
        # paces interaction replies within the bot's budget shared with alerts (the app's)
        pacer: ReplyPacer | None = None,
        send_timeout: float = 20.0,
        gateway_at_start: bool = True,
    ) -> None:
        """`gateway_at_start` False: REST only until `start_gateway()` (several instances: the leader connects)."""
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._guild_ids = tuple(guild_ids)
        self._guild_ready_timeout = guild_ready_timeout
        self._send_timeout = send_timeout
        self.runner = InteractionRunner(deps, admins=admins, handle=handle, reply_budget=reply_budget, pacer=pacer)
        self.ready = asyncio.Event()
        self._client: StrikeClient | None = None
        self._outbox: DiscordOutbox | None = None
        self._task: asyncio.Task[None] | None = None
        self._gateway_at_start = gateway_at_start

    @classmethod
    def from_settings(cls, settings: Any, deps: HandlerDeps, **overrides: Any) -> DiscordTransport:
        """Build from bot.settings.Settings (discord_token, discord_api_url, discord_guild_ids, admins)."""
        token = settings.discord_token
        if token is None:
            raise ValueError("STRIKEBOT_DISCORD_TOKEN is not set")
        kwargs: dict[str, Any] = {
            "api_url": settings.discord_api_url,
            "guild_ids": settings.discord_guild_ids,
            "admins": settings.admins,
        }
        kwargs.update(overrides)
        return cls(token.get_secret_value(), deps, **kwargs)

    @property
    def client(self) -> StrikeClient:
        """The running discord.py client."""
        if self._client is None:
            raise RuntimeError("DiscordTransport is not started")
        return self._client

    async def start(self, *, gateway: bool | None = None) -> None:
        """Log in (REST), sync commands, and connect the gateway in the background (unless `gateway` is False)."""
        # discord.py builds every REST and webhook URL from this class attribute
        Route.BASE = self._api_url
        _silence_voice_warnings()
        client = StrikeClient(
            self.runner,
            guild_ids=self._guild_ids,
            guild_ready_timeout=self._guild_ready_timeout,
            ready=self.ready,
        )
        self._client = client
        try:
            await client.login(self._token)
        except discord.LoginFailure:
            await client.close()
            raise TokenRefused("Discord refused STRIKEBOT_DISCORD_TOKEN (reset it under Bot in the Developer Portal)") from None
        except BaseException:
            await client.close()
            raise
        self._outbox = DiscordOutbox(client, timeout=self._send_timeout)
        if self._gateway_at_start if gateway is None else gateway:
            self.start_gateway()

    def start_gateway(self) -> None:
        """Connect the gateway (slash commands, buttons) in the background; nothing when it is connected."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._connect(self.client), name="discord-gateway")

    async def stop_gateway(self) -> None:
        """Disconnect the gateway and go on sending through REST (another instance leads now)."""
        if self._task is None:
            return
        # discord.py cannot leave the gateway and keep its HTTP session: a fresh client logs in
        await self.close()
        await self.start(gateway=False)

    async def _connect(self, client: StrikeClient) -> None:
        try:
            await client.connect(reconnect=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord gateway stopped")

    async def close(self) -> None:
        """Disconnect and close the HTTP session."""
        if self._client is not None:
            await self._client.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.ready.clear()

    async def __aenter__(self) -> DiscordTransport:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- Transport protocol (bot/transports/base.py) --------------------------
    @property
    def outbox(self) -> DiscordOutbox:
        """The send/edit half, available once started."""
        if self._outbox is None:
            raise RuntimeError("DiscordTransport is not started")
        return self._outbox

    def render(self, message: Message) -> RenderedMessage:
        """Neutral Message → embed payload (escaped, within limits)."""
        return render_embed(message)

    async def send(self, target: Target, rendered: RenderedMessage, *, reply_to: str | None = None) -> SendResult:
        """Post an alert to a channel or thread."""
        return await self.outbox.send(target, rendered, reply_to=reply_to)

    async def edit(self, target: Target, message_id: str, rendered: RenderedMessage) -> SendResult:
        """Edit an alert sent earlier (correction, retraction)."""
        return await self.outbox.edit(target, message_id, rendered)

    async def private_chat(self, user_id: str) -> Target | None:
        """The direct-message channel with a user (opened over REST); None when Discord refuses it."""
        try:
            channel = await asyncio.wait_for(self.client.create_dm(discord.Object(id=int(user_id))), self._send_timeout)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError, ValueError) as exc:
            log.warning("cannot open a direct message with %s: %s", user_id, exc or type(exc).__name__)
            return None
        return Target(str(channel.id))
