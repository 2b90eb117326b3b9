"""What the console prints on its own (welcome, end of input, mistakes) is in the console chat's language."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.transports.console import CHAT_ID, PLATFORM, ConsoleTransport
from handlers.context import HandlerDeps
from storage.sqlite import SqliteStore


class Terminal(io.StringIO):
    """Typed input at a terminal (the welcome is only for a person, not a pipe)."""

    def isatty(self) -> bool:
        return True


def console_in(store: SqliteStore, tmp_path: Path, typed: str = "") -> tuple[ConsoleTransport, io.StringIO]:
    """A console chat at a terminal over `store`, and what it prints."""
    out = io.StringIO()
    deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
    return ConsoleTransport(deps, stdin=Terminal(typed), stdout=out, image_dir=tmp_path / "img"), out


async def test_welcome_and_end_of_input_note_in_ukrainian(tmp_path: Path) -> None:
    async with SqliteStore(str(tmp_path / "bot.db")) as store:
        await store.set_locale(PLATFORM, CHAT_ID, None, "uk")
        console, out = console_in(store, tmp_path, "hello\n")
        await console.run()
        await console.note_still_running(["telegram"], "127.0.0.1:8080")
    printed = out.getvalue()
    assert "Введіть /help, щоб почати" in printed
    assert "Команди починаються зі скісної риски" in printed
    assert "бот і далі працює для telegram, HTTP API на 127.0.0.1:8080" in printed
    assert "Ctrl-C" in printed
    assert "Type /help" not in printed and "keeps running" not in printed and "Commands start" not in printed


async def test_welcome_and_end_of_input_note_in_english_by_default(tmp_path: Path) -> None:
    async with SqliteStore(str(tmp_path / "bot.db")) as store:
        console, out = console_in(store, tmp_path)
        await console.run()
        await console.note_still_running([], "127.0.0.1:8080")
    printed = out.getvalue()
    assert "you are a bot admin here. Type /help to begin; Ctrl-C quits." in printed
    assert "the bot keeps running for the HTTP API on 127.0.0.1:8080. Press Ctrl-C" in printed
