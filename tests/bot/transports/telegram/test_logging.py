"""Bot tokens and configured secrets never reach a log handler."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.logging_redact import RedactingFilter, Redactor, install_redaction
from bot.transports.base import Outcome, Target
from bot.transports.telegram.outbox import TelegramOutbox
from bot.transports.telegram.request import AiohttpRequest
from handlers.context import Message
from tests.fakes.telegram.api import FakeBotAPI, Fault

TOKEN = "7712345678:AAHf3kq-Z1x2y3w4v5u6t7s8r9q0p_onmlk"


@pytest.fixture
def redaction() -> Iterator[None]:
    """Redaction installed for the test only (the app installs it at start)."""
    uninstall = install_redaction([TOKEN, "s3cret-api-token"])
    yield
    uninstall()


def test_redactor_masks_tokens_anywhere() -> None:
    redact = Redactor(["s3cret-api-token"])
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    assert redact(url) == "https://api.telegram.org/bot[REDACTED]/sendMessage"
    assert redact(f"token={TOKEN}") == "token=[REDACTED]"
    assert redact("Authorization: Bearer s3cret-api-token") == "Authorization: Bearer [REDACTED]"
    # ordinary numbers with colons (times, ids) stay readable
    assert redact("at 12:30:45, chat -1001234567890:5") == "at 12:30:45, chat -1001234567890:5"


def test_every_part_of_a_record_is_redacted(caplog: pytest.LogCaptureFixture, redaction: None) -> None:
    log = logging.getLogger("httpx")  # a library logger, not one the app configured
    caplog.set_level(logging.DEBUG)
    # another test's logging setup may have quietened httpx; this test needs it talking
    caplog.set_level(logging.DEBUG, logger="httpx")
    log.info("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    log.warning("api token %r rejected", "s3cret-api-token")
    try:
        raise ConnectionError(f"cannot reach /bot{TOKEN}/getMe")
    except ConnectionError:
        logging.getLogger("telegram.ext.Updater").exception("polling failed")
    logging.getLogger("x").info("stack", stack_info=True, extra={"url": "n/a"})
    secret = TOKEN.split(":")[1]
    assert len(caplog.records) == 4
    assert secret not in caplog.text and "s3cret-api-token" not in caplog.text
    assert "bot[REDACTED]/getUpdates" in caplog.text
    assert "bot[REDACTED]/getMe" in caplog.text  # inside the traceback


def test_filter_alone_on_a_handler(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    handler = logging.FileHandler(path)
    handler.addFilter(RedactingFilter([TOKEN]))
    log = logging.getLogger("strikebot.test.filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.error("sending to %s failed", f"/bot{TOKEN}/sendMessage")
    finally:
        log.removeHandler(handler)
        handler.close()
    assert path.read_text() == "sending to /bot[REDACTED]/sendMessage failed\n"


async def test_network_failure_logged_by_ptb_without_token(
    fake_telegram: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    caplog.set_level(logging.DEBUG)
    uninstall = install_redaction([fake.token])
    try:
        bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest(), get_updates_request=AiohttpRequest())
        async with bot:
            outbox = TelegramOutbox(bot)
            fake.inject(Fault.disconnect(), method="sendMessage")
            result = await outbox.send(Target("5"), outbox.render(Message(lines=["hi"])))
            logging.getLogger("bot.delivery.dispatcher").warning("send failed: %s", result.error, exc_info=True)
    finally:
        uninstall()
    assert result.outcome == Outcome.TRANSIENT
    assert caplog.records
    assert fake.token.split(":")[1] not in caplog.text
    assert fake.token.split(":")[1] not in (result.error or "")
