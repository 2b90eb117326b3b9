"""Structured logs: one line per event, key=value or JSON, secrets masked everywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import setup_logging

SECRET = "s3cr3t-api-token-value"
TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def capture() -> Iterator[tuple[io.StringIO, logging.Logger]]:
    yield io.StringIO(), logging.getLogger("strikebot.test.logs")


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line]


def test_kv_lines_carry_extras_and_mask_secrets(capture: tuple[io.StringIO, logging.Logger]) -> None:
    stream, log = capture
    undo = setup_logging(fmt="kv", level="INFO", secrets=[SECRET], stream=stream)
    try:
        log.info("ingest", extra={"summary_id": 7, "outcome": "created"})
        log.warning("calling https://api.telegram.org/bot%s/sendMessage", TG_TOKEN)
        log.info("token in extra", extra={"header": f"Bearer {SECRET}"})
        log.debug("not shown")
    finally:
        undo()
    lines = _lines(stream)
    assert len(lines) == 3
    assert "level=info" in lines[0] and "msg=ingest" in lines[0]
    assert "summary_id=7" in lines[0] and "outcome=created" in lines[0]
    assert TG_TOKEN not in stream.getvalue() and SECRET not in stream.getvalue()
    assert "[REDACTED]" in lines[1] and "[REDACTED]" in lines[2]


def test_json_lines_and_tracebacks_stay_on_one_line(capture: tuple[io.StringIO, logging.Logger]) -> None:
    stream, log = capture
    undo = setup_logging(fmt="json", level="DEBUG", secrets=[SECRET], stream=stream)
    try:
        try:
            raise RuntimeError(f"failed with {SECRET}\nsecond line")
        except RuntimeError:
            log.exception("send failed", extra={"platform": "telegram"})
        log.debug('quote " and\nnewline')
    finally:
        undo()
    lines = _lines(stream)
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["level"] == "error" and first["msg"] == "send failed" and first["platform"] == "telegram"
    assert "RuntimeError" in first["exc"] and SECRET not in first["exc"]
    assert json.loads(lines[1])["msg"] == 'quote " and\nnewline'


def test_undo_removes_the_handler(capture: tuple[io.StringIO, logging.Logger]) -> None:
    stream, log = capture
    undo = setup_logging(fmt="kv", stream=stream)
    undo()
    log.warning("after undo")
    assert stream.getvalue() == ""
