"""Request bodies: read within a size limit, then decoded as strict UTF-8 JSON."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.models import MAX_BODY


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
