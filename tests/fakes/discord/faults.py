"""Fault injection for the fake Discord: error answers with Discord's codes, 429s with or without `Via`, slow answers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.discord.model import JSON, json_response


@dataclass
class Fault:
    """An injected error answer for requests matching `method` and the `path` regex."""

    method: str
    path: re.Pattern[str]
    status: int
    body: JSON
    headers: dict[str, str]
    # None: until removed
    times: int | None
    # seconds to wait before answering
    hold: float = 0.0
    # after the hold: carry the request out and answer normally (True) or answer with the error (False)
    deliver: bool = False


class Faults:
    """The fake's armed faults: `fail()` and `slow()` arm them; the middleware asks `answer()` before every handler."""

    def __init__(self) -> None:
        self.armed: list[Fault] = []

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        code: int = 0,
        message: str = "injected",
        retry_after: float | None = None,
        is_global: bool = False,
        via: bool = True,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with an error (`path` is a regex)."""
        body: JSON = {"code": code, "message": message}
        headers: dict[str, str] = {}
        if status == 429:
            body = {"message": "You are being rate limited.", "retry_after": retry_after or 1.0, "global": is_global}
            headers["Retry-After"] = str(retry_after or 1.0)
            if is_global:
                headers["X-RateLimit-Global"] = "true"
            if via:
                # discord.py takes a 429 without Via for a Cloudflare ban and gives up
                headers["Via"] = "1.1 google"
        self.armed.append(Fault(method, re.compile(path), status, body, headers, times))

    def slow(self, method: str, path: str, seconds: float, *, deliver: bool = True, times: int | None = None) -> Fault:
        """Answer matching requests after `seconds`: normally (`deliver`), or with a 504 that changed nothing.

        A delivered request takes effect even when the client has given up
        waiting, as it would on a real server that had already received it.
        """
        fault = Fault(method, re.compile(path), 504, {"code": 0, "message": "504: Gateway Time-out"}, {}, times, seconds, deliver)
        self.armed.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Disarm one fault."""
        if fault in self.armed:
            self.armed.remove(fault)

    async def answer(
        self, method: str, path: str, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse | None:
        """The armed fault's answer to this request, or None to answer normally."""
        for fault in self.armed:
            if (fault.times is None or fault.times > 0) and fault.method == method and fault.path.search(path):
                if fault.times is not None:
                    fault.times -= 1
                if fault.hold:
                    await asyncio.sleep(fault.hold)
                if fault.deliver:
                    return await handler(request)
                return json_response(fault.body, fault.status, fault.headers)
        return None
