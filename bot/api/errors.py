"""The API's one error shape, and the middleware that turns every failure into it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.api.replies import dumps
from storage.errors import StoreError

log = logging.getLogger(__name__)

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
