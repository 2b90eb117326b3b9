"""Redact bot tokens and configured secrets from every log record.

httpx, aiohttp and python-telegram-bot log request URLs, and a Bot API URL
carries the token (`/bot<id>:<secret>/sendMessage`); exceptions repeat it.
A URL's password (`postgresql://user:PASSWORD@host`, `?password=`) is masked
too, however short, besides the configured secrets masked wherever they appear.
libpq's PGPASSWORD, which asyncpg reads though it is no setting, is masked after
`password=` whatever its length, and anywhere once it is long enough.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable

# a Telegram token is `<bot id>:<35-ish url-safe chars>`; match it anywhere, with or
# without the `bot` prefix of the URL path, so a token pasted into a message is caught too
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])(bot)?\d{5,}:[A-Za-z0-9_-]{20,}")
MASK = "[REDACTED]"
# the password of `scheme://user:password@host` and a `password=` query parameter of a URL
_URL_PASSWORD_RE = re.compile(r"(?<=://)([^\s/@:]*):[^\s/@]+@")
_QUERY_PASSWORD_RE = re.compile(r"([?&]password=)[^&#\s]+")
# secrets shorter than this would mask unrelated words ("pw1" in "pw12"), so only their context masks them
_MIN_SECRET = 6


def _after_password_key(password: str) -> re.Pattern[str]:
    """`password=PW` for this one password: bare (a libpq DSN, a query) or quoted (a repr of parameters)."""
    pw = re.escape(password)
    # bare, the value must end where a DSN or query value ends, or "pw" would mask the "pw" of "password=pw2"
    return re.compile(rf"(?<![A-Za-z0-9_])((?i:password)\s*=\s*)(?:'{pw}'|\"{pw}\"|{pw}(?![^\s&#;,)\]}}]))")


def _mask_token(match: re.Match[str]) -> str:
    return f"bot{MASK}" if match.group(1) else MASK


class Redactor:
    """Replaces token-shaped strings and the given secrets in a piece of text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # asyncpg (libpq's rules) takes the password from PGPASSWORD when the URL has none,
        # and its errors and reprs can quote it, so it is a secret though no setting names it
        pgpassword = os.environ.get("PGPASSWORD", "")
        # longest first so a secret containing another is masked whole; tiny values
        # (empty, "1") would mask half the log, so they are not treated as secrets
        found = {s for s in (*secrets, pgpassword) if s and len(s) >= _MIN_SECRET}
        self._secrets = sorted(found, key=len, reverse=True)
        self._in_context = _after_password_key(pgpassword) if pgpassword else None

    def __call__(self, text: str) -> str:
        """Return the text with every secret masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        if self._in_context is not None:
            text = self._in_context.sub(rf"\1{MASK}", text)
        # any URL's password, PGPASSWORD's included however short, whatever the scheme
        text = _URL_PASSWORD_RE.sub(rf"\1:{MASK}@", text)
        text = _QUERY_PASSWORD_RE.sub(rf"\1{MASK}", text)
        return _TOKEN_RE.sub(_mask_token, text)


class RedactingFilter(logging.Filter):
    """A logging.Filter that rewrites each record so no secret reaches a handler."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask secrets in the message, its arguments and any exception text; never drops a record."""
        if getattr(record, "_strikebot_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we have, still masked
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record._strikebot_redacted = True
        return True


def install_redaction(secrets: Iterable[str | None] = ()) -> Callable[[], None]:
    """Redact every record created from now on, whatever logger or handler it goes to.

    A filter on a logger misses records of its child loggers and a filter on a
    handler misses handlers added later (pytest's caplog, say), so the filter
    runs in the record factory instead. Returns a function that undoes it.
    """
    flt = RedactingFilter(secrets)
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        flt.filter(record)
        return record

    logging.setLogRecordFactory(factory)

    def uninstall() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return uninstall
