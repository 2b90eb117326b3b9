"""A python-telegram-bot request backend on one aiohttp ClientSession.

PTB's default backend (httpx) managed ~310 sendMessage/s in a fan-out loop
here; aiohttp on one keep-alive pool managed ~2,500/s (docs/design.md "Speed").
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


def _pick(value: object, default: float | None) -> float | None:
    """A per-call timeout from PTB, or our default when PTB passed DEFAULT_NONE."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]


# values this long repeat across a fan-out (the alert text, its keyboard); chat ids do not
_REPEATED_LENGTH = 64
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@lru_cache(maxsize=256)
def _quote_repeated(value: str) -> str:
    return quote_plus(value)


def form_body(fields: dict[str, str]) -> bytes:
    """The fields urlencoded as aiohttp would, quoting a long value once for every chat it goes to."""
    return "&".join(
        f"{quote_plus(name)}={_quote_repeated(value) if len(value) >= _REPEATED_LENGTH else quote_plus(value)}"
        for name, value in fields.items()
    ).encode("ascii")


# The body of a `post_encoded` call, set for its length: PTB awaits do_request and parses the
# answer in the calling task, so both find it in that task's context
_ENCODED_BODY: ContextVar[bytes | None] = ContextVar("encoded-body", default=None)
# A successful answer to sendMessage as the Bot API writes it: the Message's message_id comes first.
# The fan-out reads nothing else, so it need not decode the rest (the alert's text, the chat, the
# sender: most of a send's JSON time). Any other shape is decoded in full.
_MESSAGE_ID_FIRST = re.compile(rb'\{\s*"ok"\s*:\s*true\s*,\s*"result"\s*:\s*\{\s*"message_id"\s*:\s*(\d+)\s*[,}]')


@lru_cache(maxsize=64)
def _timeout(total: float | None, connect: float | None) -> aiohttp.ClientTimeout:
    # one object per distinct setting: a fan-out asks for the same one thousands of times
    return aiohttp.ClientTimeout(total=total, sock_connect=connect)


class AiohttpRequest(BaseRequest):
    """BaseRequest over aiohttp: urlencoded bodies, multipart when uploading files."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 10.0,
        write_timeout: float | None = 10.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 30.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # post_encoded passes this empty RequestData to PTB's post, its own body in _ENCODED_BODY
        self._carrier = RequestData()
        self._headers = {"User-Agent": self.USER_AGENT}
        self._form_headers = {**self._headers, **_FORM}

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout; PTB adds the long-poll timeout to it for getUpdates."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent: PTB initializes a shared request more than once)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            # no cookies or env proxies: each request carries everything it needs
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def post_encoded(self, url: str, body: bytes) -> Any:
        """POST a urlencoded body the caller built, through PTB's `post` (its status and error mapping).

        A fan-out sends the same fields to thousands of chats: the caller encodes
        them once. RequestData is final and slotted, so the body travels beside one
        shared empty RequestData, in a context variable set for the length of the call.
        A successful answer is read as far as its message_id (`parse_json_payload`).
        """
        token = _ENCODED_BODY.set(body)
        try:
            return await self.post(url, request_data=self._carrier)
        finally:
            _ENCODED_BODY.reset(token)

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """PTB's JSON decoding; for a `post_encoded` send that succeeded, its message_id alone."""
        if _ENCODED_BODY.get() is not None and (found := _MESSAGE_ID_FIRST.match(payload)) is not None:
            return {"ok": True, "result": {"message_id": int(found[1])}}
        return BaseRequest.parse_json_payload(payload)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API request; return (HTTP status, body bytes) as BaseRequest expects."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        default_write = self._media_write_timeout if files else self._write_timeout
        read = _pick(read_timeout, self._read_timeout)
        write = _pick(write_timeout, default_write)
        connect = _pick(connect_timeout, self._connect_timeout)
        pool = _pick(pool_timeout, None)
        # aiohttp has no separate write timeout: one whole-request bound of read (+ write
        # for an upload; a form of a few KB is written at once) keeps a stuck request from
        # hanging forever; the connect timeout bounds connecting on its own. No per-read
        # timer: re-arming it on every chunk received cost more in a fan-out than the rest
        # of the timeout handling.
        if files:
            total = None if read is None or write is None else read + write + (connect or 0) + (pool or 0)
        else:
            total = None if read is None else read + (pool or 0)
        timeout = _timeout(total, connect)
        body: aiohttp.FormData | bytes | None = None
        headers = self._headers
        encoded = _ENCODED_BODY.get() if request_data is self._carrier else None
        if encoded is not None:
            body = encoded
            headers = self._form_headers
        elif files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():  # type: ignore[union-attr]
                form.add_field(name, value)
            for name, field in files.items():
                filename, content = field[0], field[1]
                mime = field[2] if len(field) > 2 else "application/octet-stream"
                data = content if isinstance(content, bytes) else content.read()
                form.add_field(name, data, filename=filename or name, content_type=mime)
            body = form
        elif request_data is not None:
            body = form_body(request_data.json_parameters)
            headers = self._form_headers
        try:
            async with self._session.request(method, url, data=body, timeout=timeout, headers=headers) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # the message names only the exception class: aiohttp's text can contain the URL
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc
