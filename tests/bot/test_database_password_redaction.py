"""The database URL's password never reaches a log line or a CLI error, as the tokens never do.

Settings come from the environment as in production; logging is set up with
the same call `run_app` makes; what an operator would read is the text the
handler writes.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
from pathlib import Path
from typing import Literal

import pytest

from bot.logs import setup_logging
from bot.settings import Settings, url_passwords
from storage.errors import StoreError

# the module, not the `main` function that bot.cli exports under the same name
cli = importlib.import_module("bot.cli.main")

PASSWORD = "hunter2-db-password"
URL = f"postgresql://strikebot:{PASSWORD}@db.internal:5432/strikebot?sslmode=verify-full"
MASKED_URL = "postgresql://strikebot:[REDACTED]@db.internal:5432/strikebot?sslmode=verify-full"


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> Settings:
    """Settings as `strikebot run` reads them, with only this URL set (no .env, no credentials)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.setenv("STRIKEBOT_DATABASE_URL", url)
    return Settings.from_environment()


def _emit(settings: Settings, fmt: Literal["kv", "json"], write: logging.Logger) -> str:
    """Everything the app's log handler writes while `write` logs an outage."""
    stream = io.StringIO()
    undo = setup_logging(fmt=fmt, level=settings.log_level, secrets=settings.secrets(), stream=stream)
    try:
        write.error("cannot connect to %s", URL)
        write.warning(f"bare password in the message: {PASSWORD}")
        write.info("in an extra field", extra={"dsn": URL, "password": PASSWORD})
        try:
            try:
                raise OSError(f"connect to {URL} refused")
            except OSError as inner:
                raise StoreError(f"cannot connect to PostgreSQL: password {PASSWORD!r} rejected") from inner
        except StoreError:
            write.exception("opening the store failed")
    finally:
        undo()
    return stream.getvalue()


@pytest.mark.parametrize("fmt", ["kv", "json"])
def test_log_lines_and_tracebacks_mask_the_database_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: Literal["kv", "json"]
) -> None:
    settings = _settings(monkeypatch, tmp_path, URL)
    text = _emit(settings, fmt, logging.getLogger("strikebot.test.dbpassword"))
    lines = text.splitlines()
    assert len(lines) == 4
    assert PASSWORD not in text
    # the URL stays readable, all but its password
    assert MASKED_URL in lines[0] and MASKED_URL in lines[2]
    assert all("[REDACTED]" in line for line in lines)
    # the traceback is there, both exceptions of the chain, masked
    assert "Traceback" in lines[3] and "OSError" in lines[3] and "StoreError" in lines[3]
    if fmt == "json":
        assert PASSWORD not in json.loads(lines[3])["exc"]


def test_a_percent_encoded_password_is_masked_as_written_and_decoded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _settings(monkeypatch, tmp_path, "postgresql://bot:p%40ss%2Fw0rd-long@db/strikebot")
    stream = io.StringIO()
    undo = setup_logging(fmt="kv", secrets=settings.secrets(), stream=stream)
    try:
        logging.getLogger("strikebot.test.dbpassword").error("auth failed for p@ss/w0rd-long and p%40ss%2Fw0rd-long")
    finally:
        undo()
    assert "p@ss/w0rd-long" not in stream.getvalue() and "p%40ss%2Fw0rd-long" not in stream.getvalue()
    assert stream.getvalue().count("[REDACTED]") == 2


def test_a_short_password_is_masked_inside_any_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # too short to mask wherever it appears ("pw1" would hit other words), but never shown in a URL
    settings = _settings(monkeypatch, tmp_path, "postgresql://bot:pw1@db/strikebot")
    stream = io.StringIO()
    undo = setup_logging(fmt="kv", secrets=settings.secrets(), stream=stream)
    try:
        log = logging.getLogger("strikebot.test.dbpassword")
        log.error("cannot reach %s", settings.database_url)
        log.error("cannot reach %s", "postgresql://bot@db/strikebot?password=pw1&sslmode=require")
    finally:
        undo()
    assert "pw1" not in stream.getvalue()
    assert "postgresql://bot:[REDACTED]@db/strikebot" in stream.getvalue()
    assert "?password=[REDACTED]&sslmode=require" in stream.getvalue()


def test_secrets_hold_the_database_password_only_when_the_url_has_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert PASSWORD in _settings(monkeypatch, tmp_path, URL).secrets()
    assert _settings(monkeypatch, tmp_path, "sqlite:///strikebot.db").secrets() == []
    assert _settings(monkeypatch, tmp_path, "postgresql://strikebot@db/strikebot").secrets() == []
    assert url_passwords("postgresql://bot@db/x?sslmode=require&password=from-query") == ["from-query"]
    assert url_passwords("postgresql://bot:a%20b-pass@db/x") == ["a b-pass", "a%20b-pass"]


def test_cli_error_quoting_the_url_masks_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _settings(monkeypatch, tmp_path, URL)

    def refusing(url: str, **kwargs: object) -> object:
        # as a driver's message can: the connection string, password included
        raise StoreError(f"cannot connect to PostgreSQL at {url}: password authentication failed")

    monkeypatch.setattr(cli, "open_store", refusing)
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert PASSWORD not in err
    assert err == f"strikebot status: error: cannot connect to PostgreSQL at {MASKED_URL}: password authentication failed\n"
