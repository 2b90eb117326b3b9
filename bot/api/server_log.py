"""aiohttp's server log for the API: a malformed request is the client's fault, worth one warning line."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger(__name__)


def _first_line(exc: HttpProcessingError) -> str:
    text = (exc.message or type(exc).__name__).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 120 else line[:120] + "…"


class ServerLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """What aiohttp's request handler logs through: bad HTTP (broken chunking, a 100 KB header) is one
    warning line without a traceback; anything else is logged as aiohttp would."""

    def __init__(self) -> None:
        super().__init__(log, {})

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        """A malformed request as one warning line; any other failure as an error with its traceback."""
        if isinstance(exc_info, HttpProcessingError):
            # aiohttp says "Error handling request from %s" with the peer's address
            peer = args[0] if args else "?"
            self.logger.warning(
                "malformed HTTP request from %s refused (%s): %s", peer, exc_info.code, _first_line(exc_info)
            )
            return
        self.logger.exception(msg, *args, exc_info=exc_info, **kwargs)
