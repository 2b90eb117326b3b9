"""The HTTP API against hostile clients: trickled bodies, malformed HTTP, giant numbers, wrong content types."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.api import build_api
from bot.metrics import Metrics
from storage.sqlite import SqliteStore
from tests.bot.api.harness import AUTH, TOKEN, api_harness, summary


@asynccontextmanager
async def served(tmp_path: Path, **options: Any) -> AsyncIterator[tuple[int, SqliteStore]]:
    """The API on a real loopback port, for clients that speak raw (and broken) HTTP."""
    async with SqliteStore(str(tmp_path / "hard.db")) as store:
        app = build_api(store, api_token=TOKEN, metrics=Metrics(), wake_dispatcher=lambda: None, **options)
        async with TestServer(app, host="127.0.0.1") as server:
            assert server.port is not None
            yield server.port, store


async def exchange(port: int, data: bytes, *, timeout: float = 10.0) -> tuple[bytes, float]:
    """Send `data` on a new connection; what came back until the server closed it, and how long that took."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    try:
        writer.write(data)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    return answer, time.monotonic() - start


def split(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


async def test_a_trickling_body_is_cut_off_at_the_body_timeout(tmp_path: Path) -> None:
    async with served(tmp_path, body_timeout=0.5) as (port, store):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = time.monotonic()
        writer.write(
            b"POST /v1/summaries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        )

        async def trickle() -> None:
            for _ in range(100):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.1)

        dripping = asyncio.ensure_future(trickle())
        try:
            answer = await asyncio.wait_for(reader.read(), 5)
        finally:
            dripping.cancel()
            writer.close()
        elapsed = time.monotonic() - start
        status, _headers, body = split(answer)
        assert status == 408
        assert json.loads(body)["errors"][0]["msg"] == "the request body did not arrive within 0.5 s"
        assert elapsed < 3, f"the connection was held {elapsed:.1f} s"
        assert await store.count_summaries() == 0


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /v1/summaries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    ids=["bad-chunking", "100-kb-header", "length-and-chunked"],
)
async def test_malformed_http_is_one_warning_line(tmp_path: Path, caplog: pytest.LogCaptureFixture, request_bytes: bytes) -> None:
    caplog.set_level(logging.DEBUG)
    async with served(tmp_path) as (port, _):
        caplog.clear()
        answer, _ = await exchange(port, request_bytes)
        assert split(answer)[0] == 400
        noisy = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        warned = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert not noisy, [r.getMessage()[:200] for r in noisy]
        assert len(warned) == 1
        line = warned[0].getMessage()
        assert "malformed HTTP request" in line and "\n" not in line and len(line) < 300
        # the server goes on serving
        ok, _ = await exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert split(ok)[0] == 200


async def test_an_oversized_integer_is_refused_in_the_apis_words(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        raw = b'{"killed": 1' + b"0" * 5000 + b"}"
        resp = await h.client.post("/v1/summaries", data=raw, headers={**AUTH, "Content-Type": "application/json"})
        assert resp.status == 400
        msg = (await resp.json())["errors"][0]["msg"]
        assert "sys." not in msg and "set_int_max_str_digits" not in msg
        assert msg == "body is not JSON the API can read: a number has 5,001 digits (at most 4,300)"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream", "text/json"]
)
async def test_a_json_endpoint_refuses_other_content_types_with_415(tmp_path: Path, content_type: str) -> None:
    async with api_harness(tmp_path) as h:
        resp = await h.client.post(
            "/v1/summaries", data=json.dumps(summary()), headers={**AUTH, "Content-Type": content_type}
        )
        assert resp.status == 415
        assert (await resp.json()) == {
            "errors": [{"loc": "", "msg": f"Content-Type must be application/json, not {content_type}"}]
        }
        assert await h.store.count_summaries() == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON", None]
)
async def test_json_and_an_absent_content_type_are_taken(tmp_path: Path, content_type: str | None) -> None:
    async with api_harness(tmp_path) as h:
        headers = dict(AUTH) if content_type is None else {**AUTH, "Content-Type": content_type}
        resp = await h.client.post("/v1/summaries", data=json.dumps(summary()), headers=headers, skip_auto_headers=["Content-Type"])
        assert resp.status == 201
