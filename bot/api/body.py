"""Request bodies: read within a size limit and a time limit, then decoded as strict UTF-8 JSON or text."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.models import BODY_TIMEOUT, MAX_BODY

# Python's own cap on the digits of an integer it reads from text (sys.get_int_max_str_digits)
MAX_INT_DIGITS = 4300
_JSON_TYPES = ("application/json",)
_TEXT_TYPES = ("text/plain",)


class _LongNumber(ValueError):
    """An integer literal longer than MAX_INT_DIGITS."""

    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


async def read_body(request: web.Request, limit: int = MAX_BODY, timeout: float = BODY_TIMEOUT) -> bytes:
    """The whole body, refusing past `limit` bytes (413) or `timeout` seconds (408)."""
    too_big = ApiError.one(413, f"request body is larger than {limit // 1024} KiB")
    if request.content_length is not None and request.content_length > limit:
        raise too_big
    buf = bytearray()
    try:
        # a client that trickles its body must not hold a connection for minutes
        async with asyncio.timeout(timeout):
            # a chunked body has no length up front: count while reading and stop at the limit
            async for chunk in request.content.iter_chunked(64 * 1024):
                buf += chunk
                if len(buf) > limit:
                    raise too_big
    except ApiError:
        raise
    except TimeoutError:
        # end the stream here too: aiohttp would otherwise linger up to 10 s reading the trickle
        request.content.feed_eof()
        error = ApiError.one(408, f"the request body did not arrive within {timeout:g} s")
        error.close = True
        raise error from None
    except Exception as exc:  # broken chunking, bad Content-Encoding, client gone
        # the stream is unusable: end it so aiohttp does not drain it after the answer (which
        # would log the same error as an unhandled traceback), and close the connection
        request.content.feed_eof()
        error = ApiError.one(400, f"could not read the request body: {type(exc).__name__}")
        error.close = True
        raise error from None
    return bytes(buf)


def require_json(request: web.Request) -> None:
    """Refuse (415) a body sent as anything but JSON; a request without Content-Type is taken as JSON."""
    header = request.headers.get("Content-Type")
    if header is None:
        return
    media = header.split(";", 1)[0].strip().lower()
    if media in _JSON_TYPES or (media.startswith("application/") and media.endswith("+json")):
        return
    shown = media[:100] or "(empty)"
    raise ApiError.one(415, f"Content-Type must be application/json, not {shown}")


def require_text(request: web.Request) -> None:
    """Refuse (415) a body sent as anything but text/plain in UTF-8; no Content-Type is taken as text."""
    header = request.headers.get("Content-Type")
    if header is None:
        return
    media, _, params = header.partition(";")
    media = media.strip().lower()
    if media not in _TEXT_TYPES:
        shown = media[:100] or "(empty)"
        raise ApiError.one(415, f"Content-Type must be text/plain, not {shown}")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8", "us-ascii"):
            raise ApiError.one(415, f"the text must be UTF-8, not {charset[:40] or '(empty)'}")


def parse_text(body: bytes) -> str:
    """Decode strict UTF-8 (a leading byte-order mark is dropped); 400 when it is not."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError.one(400, f"body is not valid UTF-8 (byte {exc.start})") from None


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _LongNumber(digits)
    return int(text)


def parse_json(body: bytes) -> Any:
    """Decode strict UTF-8 then JSON; 400 on either failure."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError.one(400, f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, parse_int=_integer)
    except RecursionError:
        raise ApiError.one(400, "body is not JSON: nested too deeply") from None
    except _LongNumber as exc:
        raise ApiError.one(
            400, f"body is not JSON the API can read: a number has {exc.digits:,} digits (at most {MAX_INT_DIGITS:,})"
        ) from None
    except ValueError as exc:  # JSONDecodeError
        raise ApiError.one(400, f"body is not JSON: {str(exc)[:200]}") from None
