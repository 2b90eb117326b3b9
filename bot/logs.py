"""Structured logging: one line per event, key=value or JSON (STRIKEBOT_LOG_FORMAT), secrets masked.

Fields passed with `extra={...}` become keys of the line:
`log.info("ingested", extra={"summary_id": 3, "outcome": "created"})`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from bot.log_throttle import install_pool_throttle
from bot.logging_redact import Redactor, install_redaction

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "_strikebot_redacted",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


def _kv_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if text and not any(c in text for c in ' "=\\\n\r\t'):
        return text
    # json string quoting escapes quotes and newlines, which keeps the event on one line
    return json.dumps(text, ensure_ascii=False)


class StructuredFormatter(logging.Formatter):
    """Formats a record as one line of key=value pairs or one JSON object, then masks secrets."""

    def __init__(self, fmt: Literal["kv", "json"] = "kv", secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.fmt = fmt
        # extras and tracebacks are not seen by the record-level filter, so the line is masked whole
        self.redact = Redactor(secrets)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The ordered fields of one event."""
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _extras(record).items():
            out.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return out

    def format(self, record: logging.LogRecord) -> str:
        """One line, never more, whatever the message holds."""
        fields = self.fields(record)
        if self.fmt == "json":
            line = json.dumps(fields, default=str, ensure_ascii=False)
        else:
            line = " ".join(f"{k}={_kv_value(v)}" for k, v in fields.items())
        return self.redact(line)


def setup_logging(
    *,
    fmt: Literal["kv", "json"] = "kv",
    level: str | int = "INFO",
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], None]:
    """Send every log record to `stream` (stderr) as structured lines; returns a function that undoes it.

    Call it once at startup with `Settings.log_format`, `Settings.log_level` and
    `Settings.secrets()`. asyncpg's pool reconnection warnings are thinned out
    on `clock` as bot/log_throttle.py describes.
    """
    secret_list = list(secrets)
    uninstall_redaction = install_redaction(secret_list)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(StructuredFormatter(fmt, secret_list))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    # the Bot API client logs every request URL (with the token) at INFO; keep those at WARNING
    noisy = {name: logging.getLogger(name) for name in ("httpx", "httpcore", "aiohttp.access")}
    noisy_levels = {name: logger.level for name, logger in noisy.items()}
    for logger in noisy.values():
        logger.setLevel(max(logging.WARNING, root.level))
    # during a database outage asyncpg would log a traceback on every retry of every pool
    uninstall_throttle = install_pool_throttle(clock)

    def undo() -> None:
        uninstall_throttle()
        root.removeHandler(handler)
        root.setLevel(previous_level)
        for name, logger in noisy.items():
            logger.setLevel(noisy_levels[name])
        uninstall_redaction()

    return undo
