"""Pieces of the HTTP API that are not endpoints: JSON errors, bearer auth, bounded body reading."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.api_openapi import MAX_BODY
from storage.errors import StoreError

log = logging.getLogger("bot.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """Answer the request with `status` and `{"errors": [...]}`."""

    def __init__(
        self, status: int, errors: list[dict[str, str]], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}
        # close the connection after answering (the request stream is broken)
        self.close = False

    @classmethod
    def one(cls, status: int, msg: str, loc: str = "", **headers: str) -> ApiError:
        """An error with a single message."""
        return cls(status, [{"loc": loc, "msg": msg}], headers)


def error_response(status: int, errors: list[dict[str, str]], headers: dict[str, str] | None = None) -> web.Response:
    """The API's one error shape."""
    return web.json_response({"errors": errors}, status=status, headers=headers, dumps=dumps)


def dumps(value: Any) -> str:
    """Compact JSON that keeps non-ASCII text readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_reply(value: Any, status: int = 200) -> web.Response:
    """A JSON answer."""
    return web.json_response(value, status=status, dumps=dumps)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a JSON error; nothing a client sends can produce a traceback."""
    try:
        return await handler(request)
    except ApiError as exc:
        response = error_response(exc.status, exc.errors, exc.headers)
        if exc.close:
            response.force_close()
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # aiohttp's own 404/405 and friends, in the API's error shape; keep Allow and such
        keep = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
        return error_response(exc.status, [{"loc": "", "msg": exc.reason}], keep)
    except StoreError as exc:
        log.error("store error on %s %s: %s", request.method, request.path, exc)
        return error_response(503, [{"loc": "", "msg": "the store is unavailable"}])
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, [{"loc": "", "msg": "internal error"}])


class BearerAuth:
    """Checks `Authorization: Bearer <token>` in constant time; no token configured means writes are off."""

    def __init__(self, token: str | None) -> None:
        self._token = token.encode() if token else None
        if self._token is None:
            log.warning(
                "STRIKEBOT_API_TOKEN is not set: POST /v1/summaries and /v1/summaries/{id}/retract answer 403"
            )

    @property
    def enabled(self) -> bool:
        """Whether write endpoints accept requests at all."""
        return self._token is not None

    def check(self, request: web.Request) -> None:
        """Raise ApiError 403 (writes disabled) or 401 (missing or wrong token)."""
        if self._token is None:
            log.debug("refused %s %s: no STRIKEBOT_API_TOKEN configured", request.method, request.path)
            raise ApiError.one(
                403, "writes are disabled: set STRIKEBOT_API_TOKEN on the server to enable this endpoint"
            )
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # compare even on a malformed header so timing does not tell the two cases apart
        ok = hmac.compare_digest(given.strip().encode("utf-8", "replace"), self._token)
        if scheme.lower() != "bearer" or not ok:
            raise ApiError.one(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, refusing (413) past `limit` bytes whether or not Content-Length was sent."""
    too_big = ApiError.one(413, f"request body is larger than {limit // 1024} KiB")
    if request.content_length is not None and request.content_length > limit:
        raise too_big
    buf = bytearray()
    try:
        # a chunked body has no length up front: count while reading and stop at the limit
        async for chunk in request.content.iter_chunked(64 * 1024):
            buf += chunk
            if len(buf) > limit:
                raise too_big
    except ApiError:
        raise
    except Exception as exc:  # broken chunking, bad Content-Encoding, client gone
        # the stream is unusable: end it so aiohttp does not drain it after the answer (which
        # would log the same error as an unhandled traceback), and close the connection
        request.content.feed_eof()
        error = ApiError.one(400, f"could not read the request body: {type(exc).__name__}")
        error.close = True
        raise error from None
    return bytes(buf)


def parse_json(body: bytes) -> Any:
    """Decode strict UTF-8 then JSON; 400 on either failure."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError.one(400, f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ApiError.one(400, "body is not JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and over-long integer literals
        raise ApiError.one(400, f"body is not JSON: {str(exc)[:200]}") from None
