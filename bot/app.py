"""`strikebot run`: settings, store, transports, dispatcher and HTTP API wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from aiohttp import web

from bot.api import build_api
from bot.charts import ChartRenderer
from bot.cluster.coordination import Coordination, coordinate
from bot.delivery import Dispatcher, DispatcherConfig, Renderers
from bot.delivery.expansion import FanoutExpander
from bot.delivery.ratelimit import PlatformLimits, platform_limits
from bot.delivery.replies import ReplyPacer
from bot.heap import steady_heap
from bot.housekeeping import keep_figures, prune_outbox
from bot.leadership import leader_duties
from bot.logging_redact import Redactor
from bot.logs import setup_logging
from bot.metrics import Metrics
from bot.settings import Settings
from bot.sources.running import start_sources
from bot.startup import StartupBackoff, StartupError, StopRequested, enter_with_retries
from bot.transports.base import Transport
from bot.transports.console import ConsoleTransport, InputEnd
from handlers.context import HandlerDeps
from handlers.seeding import load_seeds
from storage import Store, catalog, open_store

if TYPE_CHECKING:
    from bot.transports.telegram.reception import WebhookConfig

log = logging.getLogger(__name__)

# SIGHUP: the terminal that started the bot closed (a window, a tmux session, an ssh login)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Runtime:
    """What a running bot is made of; tests reach the parts through it."""

    settings: Settings
    store: Store
    deps: HandlerDeps
    dispatcher: Dispatcher
    metrics: Metrics
    # queues the rest of large fan-outs in the background (bot/delivery/expansion.py)
    expander: FanoutExpander | None = None
    coordination: Coordination = field(default_factory=lambda: Coordination(None))
    transports: dict[str, Transport] = field(default_factory=dict)
    api_port: int | None = None
    # the console chat reading stdin, when it runs; it ends with how the input ended
    console_input: asyncio.Task[InputEnd] | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)


async def _serve_api(stack: AsyncExitStack, runtime: Runtime) -> int | None:
    """Start the HTTP API unless STRIKEBOT_API_HOST is empty; returns the bound port."""
    settings = runtime.settings
    if not settings.api_host:
        return None
    token = settings.api_token.get_secret_value() if settings.api_token else None

    async def healthy() -> bool:
        return runtime.started.is_set()

    app = build_api(
        runtime.store,
        api_token=token,
        metrics=runtime.metrics,
        wake_dispatcher=runtime.deps.wake_dispatcher,
        health=healthy,
        timezone=settings.tz,
        sources=settings.sources,
        body_timeout=settings.api_body_timeout,
    )
    _serve_webhook(app, runtime)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, settings.api_host, settings.api_port)
    try:
        await site.start()
    except OSError as exc:
        raise StartupError(f"HTTP API cannot listen on {settings.api_host}:{settings.api_port}: {exc.strerror}") from None
    # port 0 picks a free port: report the one actually bound
    port = runner.addresses[0][1] if runner.addresses else settings.api_port
    log.info("http api listening", extra={"host": settings.api_host, "port": port})
    return int(port)


def _serve_webhook(app: web.Application, runtime: Runtime) -> None:
    """Take Telegram's updates on POST /telegram/webhook when the transport runs in webhook mode."""
    if "telegram" not in runtime.transports:
        return
    from bot.transports.telegram.transport import TelegramTransport
    from bot.transports.telegram.webhook import TelegramWebhook

    telegram = runtime.transports.get("telegram")
    if isinstance(telegram, TelegramTransport) and telegram.reception.webhook is not None:
        TelegramWebhook(telegram.reception.webhook.secret, telegram.reception.feed).add_to(app)


def _webhook(settings: Settings) -> WebhookConfig | None:
    """TELEGRAM_WEBHOOK_URL and its secret, checked; None for polling."""
    if not settings.telegram_webhook_url:
        return None
    if settings.telegram_webhook_secret is None:
        raise StartupError("STRIKEBOT_TELEGRAM_WEBHOOK_URL needs STRIKEBOT_TELEGRAM_WEBHOOK_SECRET")
    if not settings.api_host:
        raise StartupError("webhook mode takes updates on the HTTP API: set STRIKEBOT_API_HOST")
    from bot.transports.telegram.reception import WebhookConfig

    return WebhookConfig(settings.telegram_webhook_url, settings.telegram_webhook_secret.get_secret_value())


async def _start_transports(
    stack: AsyncExitStack,
    settings: Settings,
    deps: HandlerDeps,
    console_io: tuple[TextIO | None, TextIO | None],
    stop: asyncio.Event,
    backoff: StartupBackoff,
    coordination: Coordination,
    limits: Mapping[str, PlatformLimits],
) -> tuple[dict[str, Transport], asyncio.Task[InputEnd] | None]:
    """Telegram and Discord when their tokens are set; the console chat when neither is.

    A platform that cannot be reached is retried with backoff until it starts
    or `stop` is set. Replies to commands are paced within `limits`, the budgets
    the dispatcher's alerts use too. Returns the started transports by platform
    name, and the console's reading task.
    """
    transports: dict[str, Transport] = {}
    retry = functools.partial(
        enter_with_retries, stack, redact=Redactor(settings.secrets()), stop=stop, backoff=backoff
    )
    telegram_token = settings.telegram_token
    if telegram_token is not None:
        from bot.transports.telegram.transport import TelegramTransport

        webhook = _webhook(settings)

        def telegram() -> TelegramTransport:
            return TelegramTransport(
                telegram_token.get_secret_value(),
                deps,
                api_url=settings.telegram_api_url,
                admins=settings.admins,
                webhook=webhook,
                ledger=coordination.ledger,
                poll_at_start=coordination.lead_at_start,
                paid_broadcast=settings.telegram_paid_broadcast,
                pacer=ReplyPacer(limits["telegram"]),
            )

        transports["telegram"] = await retry(telegram, "Telegram")
    if settings.discord_token is not None:
        from bot.transports.discord.transport import DiscordTransport

        pacer = ReplyPacer(limits["discord"])
        transports["discord"] = await retry(
            lambda: DiscordTransport.from_settings(
                settings, deps, gateway_at_start=coordination.lead_at_start, pacer=pacer
            ),
            "Discord",
        )
    if transports:
        return transports, None
    stdin, stdout = console_io
    console = ConsoleTransport(deps, stdin=stdin or sys.stdin, stdout=stdout or sys.stdout)
    transports["console"] = console
    await stack.enter_async_context(console)
    return transports, asyncio.create_task(console.run(), name="console")


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stop: asyncio.Event | None = None,
    backoff: StartupBackoff | None = None,
) -> AsyncIterator[tuple[Runtime, list[asyncio.Task[Any]]]]:
    """Start everything; on exit stop it in reverse order and close the store.

    Setting `stop` while a platform is being retried ends the start with StopRequested.
    """
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(
            open_store(settings.database_url, first_chunk=settings.delivery_fanout_first_chunk)
        )
        if settings.seed == "auto":
            seeded = await load_seeds(store)
            if seeded.loaded:
                log.info("store seeded", extra={"summaries": seeded.summaries})
        # the handlers wake the dispatcher, which needs the transports, which need the handlers:
        # the one event they share is made first
        wakeup = asyncio.Event()
        config = DispatcherConfig.from_settings(settings)
        expander = FanoutExpander(
            store, chunk=config.fanout_chunk, wake_dispatcher=wakeup.set, poll_interval=config.poll_interval
        )

        def wake() -> None:
            # a new summary may have left a fan-out to expand besides the rows it queued
            wakeup.set()
            expander.wake()

        metrics = Metrics()
        # alone on SQLite (a second process is refused here) or one of several on PostgreSQL
        coordination = await stack.enter_async_context(coordinate(settings.database_url, wake))
        coordination.register_metrics(metrics.registry)
        deps = HandlerDeps(
            store=store,
            timezone=settings.tz,
            default_locale=settings.locale,
            wake_dispatcher=wake,
            count_ingest=functools.partial(metrics.ingested, "chat"),
            chart=ChartRenderer(),
            sources=tuple(settings.sources),
            instances=coordination.instances if coordination.cluster is not None else None,
        )
        # one budget per platform, shared by the dispatcher's alerts and the transports' replies
        # (and by every instance on PostgreSQL)
        limits = coordination.shared(platform_limits(config.rates, ("telegram", "discord")))
        transports, console_input = await _start_transports(
            stack,
            settings,
            deps,
            (stdin, stdout),
            stop or asyncio.Event(),
            backoff or StartupBackoff(),
            coordination,
            limits,
        )
        dispatcher = Dispatcher(
            store,
            transports,
            Renderers.from_handlers(),
            config,
            metrics=metrics,
            limits=limits,
            wakeup=wakeup,
            on_claim=expander.claimed,
        )
        runtime = Runtime(
            settings=settings,
            store=store,
            deps=deps,
            dispatcher=dispatcher,
            metrics=metrics,
            expander=expander,
            coordination=coordination,
            transports=transports,
            console_input=console_input,
        )
        runtime.api_port = await _serve_api(stack, runtime)
        # read now, not by the first alert's ingest on its way to the first chat
        catalog.load()
        # the start-up is over: what it built lives as long as the process (bot/heap.py)
        stack.enter_context(steady_heap())
        coordination.follow(leader_duties(transports))
        delivering = asyncio.create_task(dispatcher.run(), name="dispatcher")
        expanding = asyncio.create_task(expander.run(), name="fanout")
        housekeeping = asyncio.create_task(prune_outbox(store, settings.outbox_retention_days), name="prune")
        figures = asyncio.create_task(keep_figures(store), name="figures")
        runtime.started.set()
        log.info("strikebot running", extra={"transports": ",".join(runtime.transports)})
        tasks: list[asyncio.Task[Any]] = [delivering, expanding, housekeeping, figures]
        watching = await start_sources(stack, settings, deps, transports, metrics)
        if watching is not None:
            tasks.append(watching)
        if console_input is not None:
            tasks.append(console_input)
        try:
            yield runtime, tasks
        finally:
            runtime.started.clear()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


async def _drain(dispatcher: Dispatcher, expander: FanoutExpander | None, budget: float = 5.0) -> None:
    """After console EOF, deliver what the input just queued (an alert for this console) first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    while loop.time() < deadline:
        try:
            if expander is not None:
                await expander.run_once()
            if not await asyncio.wait_for(dispatcher.run_once(), max(0.1, deadline - loop.time())):
                return
        except Exception:  # a failing pass must not turn a clean exit into a traceback
            log.exception("final delivery pass failed")
            return


async def _until_stopped(runtime: Runtime, stop: asyncio.Event) -> None:
    """Wait for a stop signal, or for the console's input to end when that ends the bot.

    End of input with nothing else running (a piped session) delivers what it
    queued and stops; with the HTTP API up the bot keeps running and says how
    to stop it; a terminal that hung up stops the bot like SIGHUP does.
    """
    stopping = asyncio.create_task(stop.wait(), name="stop")
    try:
        console_input = runtime.console_input
        if console_input is None:
            await stopping
            return
        await asyncio.wait((stopping, console_input), return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            return
        end = InputEnd.EOF if console_input.cancelled() or console_input.exception() else console_input.result()
        if end is InputEnd.HANGUP:
            log.info("stopping: the console's terminal is gone")
            return
        platforms = [name for name in runtime.transports if name != "console"]
        api = f"{runtime.settings.api_host}:{runtime.api_port}" if runtime.api_port is not None else None
        if not platforms and api is None:
            await _drain(runtime.dispatcher, runtime.expander)
            return
        console = runtime.transports["console"]
        if isinstance(console, ConsoleTransport):
            await console.note_still_running(platforms, api)
        await stopping
    finally:
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping


async def run_app(settings: Settings, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Run until SIGINT, SIGTERM or SIGHUP (or console end of input when nothing else is running)."""
    undo_logging = setup_logging(fmt=settings.log_format, level=settings.log_level, secrets=settings.secrets())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with running(settings, stdin=stdin, stdout=stdout, stop=stop) as (runtime, _tasks):
            await _until_stopped(runtime, stop)
        log.info("strikebot stopped")
    except StopRequested:
        log.info("strikebot stopped before it started")
    except StartupError as exc:
        raise SystemExit(f"strikebot run: error: {exc}") from None
    finally:
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        undo_logging()
