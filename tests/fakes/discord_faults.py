"""Fault injection for the fake Discord: error answers with Discord's codes, 429s with or without `Via`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.discord_model import JSON, json_response


@dataclass
class Fault:
    """An injected error answer for requests matching `method` and the `path` regex."""

    method: str
    path: re.Pattern[str]
    status: int
    body: JSON
    headers: dict[str, str]
    times: int


class FaultsMixin:
    """`fail()` queues error answers; the middleware asks `_fault_for()` before every handler."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

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
        self.faults.append(Fault(method, re.compile(path), status, body, headers, times))

    def _fault_for(self, method: str, path: str) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                return json_response(fault.body, fault.status, fault.headers)
        return None
