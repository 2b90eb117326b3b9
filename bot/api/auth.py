"""Bearer-token authorization of the API's write endpoints."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.api.errors import ApiError

log = logging.getLogger(__name__)


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
