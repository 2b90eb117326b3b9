"""A fake Telegram Bot API server on loopback that the unmodified python-telegram-bot talks to.

Use `async with FakeBotAPI() as fake:` and point the client at `fake.root` (the project's
TELEGRAM_API_URL). Run `python -m tests.fakes.telegram.api --port N` for a standalone process
(options in tests/fakes/telegram_cli.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakes.telegram.faults import (
    LIMITED_METHODS,
    Fault,
    FaultKind,
    FaultRule,
    Limits,
    RateLimiter,
)
from tests.fakes.telegram.http import json_response, read_params
from tests.fakes.telegram.methods import BotApiMethods
from tests.fakes.telegram.model import JSON, Call, FakeChat, FakeUser
from tests.fakes.telegram.records import Recorder
from tests.fakes.telegram.world import ApiError

_FAULT_NAMES = frozenset({"error", "retry_after", "server_error", "timeout", "disconnect", "blocked",
                          "kicked", "chat_not_found", "migrated", "not_editable", "not_modified",
                          "message_not_found"})
DEFAULT_TOKEN = "123456789:AAFakeTokenForStrikebotTests_0123456"
_HARMLESS = ("setWebhook", "close", "logOut", "sendChatAction",
             "pinChatMessage", "unpinChatMessage", "setMyDescription", "setMyShortDescription",
             "setChatMenuButton", "setMyName")


class FakeBotAPI(BotApiMethods, Recorder):
    """The fake server: world state + recording + faults + optional Telegram-like limits."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "strikebot_test_bot",
        bot_name: str = "Strikebot",
        host: str = "127.0.0.1",
        port: int = 0,
        store_texts: bool = True,
        record: bool = True,
        strict_chats: bool = False,
        limits: Limits | None = None,
        any_token: bool = False,
        latency: float = 0.0,
    ) -> None:
        """Configure; nothing listens until `start()` (or `async with`).

        `latency`: seconds every answer takes after the call arrived (Telegram's
        round trip from a server far from its data centre), limits counting arrivals.
        """
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456789
        BotApiMethods.__init__(
            self, FakeUser(bot_id, bot_name, bot_username, is_bot=True, language_code=None),
            store_texts=store_texts, strict_chats=strict_chats,
        )
        Recorder.__init__(self, record=record)
        self.token = token
        self.any_token = any_token
        self.latency = latency
        self.host = host
        self.port = port
        self.rules: list[FaultRule] = []
        self.limiter: RateLimiter | None = RateLimiter(limits) if limits else None
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._methods = self._method_table()

    # ----- lifecycle -----

    @property
    def root(self) -> str:
        """The server root (TELEGRAM_API_URL): methods at `{root}/bot{token}/{method}`."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's `base_url(...)`: the token is appended by the library."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """For PTB's `base_file_url(...)`."""
        return f"{self.root}/file/bot"

    @property
    def bot_username(self) -> str:
        """The bot's @username without the @."""
        return self.bot.username or ""

    def make_app(self) -> web.Application:
        """The aiohttp application serving the fake (also usable with aiohttp's test tools)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_get("/_fake/stats", self._handle_stats)
        app.router.add_get("/_fake/send_times", self._handle_send_times)
        app.router.add_post("/_fake/reset", self._handle_reset)
        app.router.add_post("/_fake/inject", self._handle_inject)
        app.router.add_post("/_fake/limits", self._handle_limits)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        return app

    async def start(self) -> FakeBotAPI:
        """Listen on `host:port` (a free port when 0)."""
        self._closing.clear()
        runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False,
                               shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, backlog=1024)
        await site.start()
        self._runner = runner
        if self.port == 0:  # the kernel picked a free port
            self.port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Wake long polls and held requests, then close the server."""
        self._closing.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        """Start the server."""
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        """Stop the server."""
        await self.stop()

    # ----- faults and limits (test side) -----

    def inject(self, fault: Fault, *, method: str | frozenset[str] | None = None,
               chat_id: FakeChat | int | str | None = None, times: int | None = 1) -> FaultRule:
        """Answer the next `times` matching calls with `fault` (`times=None`: until removed).

        `method`: one name, a set of names, or None for every method but getUpdates.
        """
        target = chat_id.id if isinstance(chat_id, FakeChat) else chat_id
        rule = FaultRule(fault, method, target, times)
        self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        """Disarm one rule."""
        if rule in self.rules:
            self.rules.remove(rule)

    def clear_faults(self) -> None:
        """Disarm every rule."""
        self.rules.clear()

    def block(self, chat: FakeChat | int) -> FaultRule:
        """The user of a private chat blocked the bot: every send/edit there answers 403."""
        return self.inject(Fault.blocked(), method=LIMITED_METHODS, chat_id=chat, times=None)

    def migrate(self, chat: FakeChat | int, new_chat_id: int | None = None) -> FakeChat:
        """Upgrade a group to a supergroup: calls to the old id answer 400 with the new id."""
        old = chat if isinstance(chat, FakeChat) else self.chat(chat)
        new = self.supergroup(old.title or "Migrated", chat_id=new_chat_id)
        for (cid, uid), membership in list(self.members.items()):
            if cid == old.id:
                self.members[(new.id, uid)] = membership
        self.inject(Fault.migrated(new.id), chat_id=old.id, times=None)
        return new

    def enforce_limits(self, limits: Limits | None = None) -> None:
        """Answer 429 like Telegram when a client exceeds `limits` (defaults: 1/s, 20/min, 30/s)."""
        self.limiter = RateLimiter(limits or Limits())

    def reset(self) -> None:
        """Forget recorded calls, counters, armed faults and limit windows (chats stay)."""
        self.reset_records()
        self.clear_faults()
        if self.limiter is not None:
            self.limiter.reset()

    # ----- HTTP -----

    def _method_table(self) -> dict[str, tuple[str, Callable[[JSON], Any]]]:
        table: dict[str, tuple[str, Callable[[JSON], Any]]] = {}
        for attr in dir(self):
            if attr.startswith("api_") and attr != "api_harmless":
                table[attr[4:].lower()] = (attr[4:], getattr(self, attr))
        for name in _HARMLESS:
            table[name.lower()] = (name, self.api_harmless)
        table["getupdates"] = ("getUpdates", self.api_harmless)  # async: served by _get_updates
        return table

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        mono, wall = time.monotonic(), time.time()
        if request.match_info["token"] != self.token and not self.any_token:
            return json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        name, func = entry
        try:
            params = await read_params(request)
        except ValueError:
            return json_response(400, {"ok": False, "error_code": 400,
                                   "description": "Bad Request: invalid request body"})
        # kept from arrival (pending: ok=False, http_status=0) so held calls show in order
        call = Call(name, params, params.get("chat_id"), mono, wall, http_status=0, ok=False)
        self._arrived(call)
        try:
            return await self._answer(request, call, func)
        finally:
            self._note(call)

    async def _answer(self, request: web.Request, call: Call,
                      func: Callable[[JSON], Any]) -> web.StreamResponse:
        for rule in self.rules:
            if rule.matches(call.method, call.chat_id):
                rule.hits += 1
                early = await self._apply_fault(request, call, rule.fault)
                if early is not None:
                    return early
                break
        if self.limiter is not None:
            retry_after = self._throttle(call)
            if retry_after:
                call.throttled = True
                return self._fail(call, Fault.retry_after(retry_after))
        if self.latency and call.method != "getUpdates":
            await asyncio.sleep(self.latency)
        try:
            if call.method == "getUpdates":
                result: Any = await self._get_updates(call.params)
            else:
                result = func(call.params)
        except ApiError as err:
            return self._fail(call, Fault.error(err.status, err.description, err.parameters))
        call.result, call.ok, call.http_status = result, True, 200
        return json_response(200, {"ok": True, "result": result})

    async def _apply_fault(self, request: web.Request, call: Call,
                           fault: Fault) -> web.StreamResponse | None:
        """Answer per `fault`; None means go on and answer normally (a late delivery)."""
        call.injected = True
        if fault.kind is FaultKind.ERROR:
            return self._fail(call, fault)
        if fault.kind is FaultKind.DISCONNECT:
            call.ok, call.http_status, call.error = False, 0, "disconnected"
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPServiceUnavailable()  # nothing reaches the client any more
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), fault.hold)
        if fault.deliver:
            call.injected = False
            return None
        return self._fail(call, Fault.error(504, "Gateway Timeout"))

    def _throttle(self, call: Call) -> int:
        assert self.limiter is not None
        if call.method not in self.limiter.limits.methods:
            return 0
        group_like = False
        if call.chat_id is not None:
            try:
                group_like = self.chat(call.chat_id).is_group_like
            except ApiError:
                return 0
        paid = call.params.get("allow_paid_broadcast") is True
        return self.limiter.check(call.method, call.chat_id, group_like, call.mono, paid=paid)

    def _fail(self, call: Call, fault: Fault) -> web.Response:
        body = fault.body()
        call.ok, call.http_status, call.error = False, fault.status, fault.description
        if fault.parameters and "retry_after" in fault.parameters:
            call.retry_after = int(fault.parameters["retry_after"])
        return json_response(fault.status, body)

    async def _get_updates(self, p: JSON) -> list[JSON]:
        return await self.wait_updates(
            int(p.get("offset") or 0), int(p.get("limit") or 100),
            float(p.get("timeout") or 0), p.get("allowed_updates") or None, self._closing,
        )

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token and not self.any_token:
            return json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        data = self.files.get(request.match_info["path"])
        if data is None:
            return json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(body=data, content_type="application/octet-stream")

    async def _handle_stats(self, request: web.Request) -> web.StreamResponse:
        return json_response(200, self.stats())

    async def _handle_send_times(self, request: web.Request) -> web.StreamResponse:
        return json_response(200, self.send_times())

    async def _handle_reset(self, request: web.Request) -> web.StreamResponse:
        self.reset()
        return json_response(200, {"ok": True})

    async def _handle_inject(self, request: web.Request) -> web.StreamResponse:
        # {"fault": "retry_after", "args": [5], "method": "sendMessage", "chat_id": 1, "times": 1}
        body = await request.json()
        factory = getattr(Fault, str(body.get("fault")), None)
        if factory is None or body.get("fault") not in _FAULT_NAMES:
            return json_response(400, {"ok": False, "description": f"unknown fault {body.get('fault')}"})
        method = body.get("method")
        if isinstance(method, list):
            method = frozenset(method)
        rule = self.inject(factory(*body.get("args", [])), method=method,
                           chat_id=body.get("chat_id"), times=body.get("times", 1))
        return json_response(200, {"ok": True, "rule": repr(rule)})

    async def _handle_limits(self, request: web.Request) -> web.StreamResponse:
        # {"enforce": true, "global_per_second": 30, ...Limits fields}; {"enforce": false} to stop
        body = await request.json()
        if not body.pop("enforce", True):
            self.limiter = None
        else:
            if "methods" in body:
                body["methods"] = frozenset(body["methods"])
            self.enforce_limits(Limits(**body))
        return json_response(200, {"ok": True})


if __name__ == "__main__":
    from tests.fakes.telegram.cli import main

    main()


__all__ = ["DEFAULT_TOKEN", "FakeBotAPI", "Fault", "FaultRule", "Limits"]
