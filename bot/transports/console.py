"""The console chat: the terminal is a private chat whose user is a bot admin.

Commands are read from stdin line by line (a pipe, a file or a terminal);
replies and pushed alerts are printed as plain text; images are saved to
files whose paths are printed; buttons are numbered and pressed by typing
the number. It is also the delivery Transport for console subscriptions.

Reading ends in one of two ways the app tells apart (`InputEnd`): the end
of the input (a pipe or file ran out, or Ctrl-D at a terminal), or the
terminal itself went away (window closed, tmux session killed), after
which nobody can see or stop the bot from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from bot.transports.base import Outcome, SendResult, Target
from handlers.context import Button, ChatKind, CommandContext, HandlerDeps, Identity, Image, Message
from handlers.i18n import translator

log = logging.getLogger(__name__)

PLATFORM = "console"
CHAT_ID = "console"
Handle = Callable[[CommandContext, HandlerDeps], Awaitable[list[Message]]]


class InputEnd(StrEnum):
    """Why the console stopped reading commands."""

    EOF = "eof"  # a pipe or file ran out, or Ctrl-D at a terminal that is still there
    HANGUP = "hangup"  # the terminal is gone: reading failed or it is no longer a terminal


@dataclass(frozen=True)
class ConsoleText:
    """A rendered console message: plain text plus what needs printing around it."""

    text: str
    image: Image | None = None
    buttons: list[Button] = field(default_factory=list)


def render_text(message: Message) -> str:
    """A neutral Message as readable plain text (no markup to escape on a terminal)."""
    out: list[str] = []
    if message.title:
        out += [message.title, "-" * min(len(message.title), 60)]
    # the same order as in Telegram: headline numbers first, then details
    out += [f"{name}: {value}" for name, value in message.fields]
    out += message.lines
    if message.footer:
        out.append(f"({message.footer})")
    return "\n".join(out)


def _default_handle() -> Handle:
    from handlers.router import handle  # late: the router pulls in every command module

    return handle


class ConsoleTransport:
    """Terminal chat and console Transport; `await run()` reads commands until end of input."""

    platform = PLATFORM

    def __init__(
        self,
        deps: HandlerDeps,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        image_dir: Path | None = None,
        handle: Handle | None = None,
        user_id: str = "operator",
    ) -> None:
        self.deps = deps
        self._stdin = stdin if stdin is not None else sys.stdin
        self._stdout = stdout if stdout is not None else sys.stdout
        self._image_dir = image_dir if image_dir is not None else Path.cwd() / "strikebot-images"
        self._handle = handle
        self.user = Identity(PLATFORM, user_id, "console")
        self._next_id = 0
        # the buttons of the last message that had any, as (message id, buttons)
        self._buttons: tuple[str, list[Button]] | None = None
        self._write_lock = asyncio.Lock()
        # set once a write failed: the terminal is gone for the rest of the run
        self._output_gone = False
        # saved images are named after the run's start, so a new run never overwrites an old one's
        self._run_stamp = datetime.now().strftime("%Y%m%d-%H%M%S")

    async def __aenter__(self) -> ConsoleTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Nothing to close: the reader thread is a daemon and stdout belongs to the process."""

    # ----- delivery Transport protocol -----

    def render(self, message: Message) -> ConsoleText:
        """Neutral Message → plain text (images and buttons are handled when printed)."""
        return ConsoleText(render_text(message), message.image, list(message.buttons))

    async def send(self, target: Target, rendered: ConsoleText, *, reply_to: str | None = None) -> SendResult:
        """Print a new message; its id is a running number."""
        self._next_id += 1
        message_id = str(self._next_id)
        head = f"[#{message_id}]" + (f" (re #{reply_to})" if reply_to else "") + (" (silent)" if target.silent else "")
        if not await self._print(head, rendered, message_id):
            return _UNPRINTED
        return SendResult(Outcome.OK, message_id=message_id)

    async def edit(self, target: Target, message_id: str, rendered: ConsoleText) -> SendResult:
        """A terminal cannot change what it printed: print the new version, marked as such."""
        if not await self._print(f"[#{message_id} updated]", rendered, message_id):
            return _UNPRINTED
        return SendResult(Outcome.OK, message_id=message_id)

    async def _print(self, head: str, rendered: ConsoleText, message_id: str) -> bool:
        parts = [head, rendered.text]
        if rendered.image is not None:
            path = await asyncio.to_thread(self._save_image, rendered.image, message_id)
            parts.append(f"[image saved to {path}]")
        if rendered.buttons:
            self._buttons = (message_id, rendered.buttons)
            hint = translator(await self._locale())._("type the number to press a button")
            parts.append(
                "   ".join(f"[{i}] {b.label}" for i, b in enumerate(rendered.buttons, 1)) + f"   → {hint}"
            )
        return await self._write("\n".join(p for p in parts if p) + "\n\n")

    async def note(self, text: str) -> None:
        """Print a line from the bot itself (not a chat message), e.g. why it keeps running."""
        await self._write(text + "\n\n")

    async def _write(self, text: str) -> bool:
        """Print `text`; False when the terminal is gone (the output is dropped, the bot goes on)."""
        async with self._write_lock:
            if self._output_gone:
                # its descriptor is /dev/null now: nothing written there is seen
                return False
            try:
                self._stdout.write(text)
                self._stdout.flush()
            except OSError as exc:
                # EIO: the window closed, possibly in the middle of this very write; EPIPE: a closed pipe
                log.info("console output failed: %s", exc.strerror or type(exc).__name__)
                _discard_into_devnull(self._stdout)
                self._output_gone = True
                return False
        return True

    async def note_still_running(self, platforms: Sequence[str], api_address: str | None) -> None:
        """After end of input: the chat is closed but the bot still serves `platforms` and the API, in the chat's language."""
        tr = translator(await self._locale())
        serving = list(platforms)
        if api_address is not None:
            serving.append(tr._("the HTTP API on {address}", address=api_address))
        await self.note(
            tr._(
                "End of input: the console chat is closed, but the bot keeps running for {serving}. "
                "Press Ctrl-C (or send SIGTERM) to stop it.",
                serving=", ".join(serving),
            )
        )

    def _save_image(self, image: Image, message_id: str) -> Path:
        self._image_dir.mkdir(parents=True, exist_ok=True)
        name = Path(image.filename).name or "image.png"
        stem = f"{self._run_stamp}-{int(message_id):04d}"
        for attempt in range(1, 1000):
            # two runs started in the same second still get a file each: "x" never replaces one
            path = self._image_dir / (f"{stem}-{name}" if attempt == 1 else f"{stem}-{attempt}-{name}")
            try:
                with path.open("xb") as out:
                    out.write(image.data)
            except FileExistsError:
                continue
            return path.resolve()
        raise FileExistsError(f"no free file name for {stem}-{name} in {self._image_dir}")

    # ----- the chat -----

    async def run(self) -> InputEnd:
        """Handle typed commands until the input ends; say how it ended (the app decides what follows)."""
        if _interactive(self._stdin):
            # a person at a terminal, not a pipe: say what this is and how to start
            tr = translator(await self._locale())
            await self.note(tr._("strikebot console chat: you are a bot admin here. Type /help to begin; Ctrl-C quits."))
        ended: list[InputEnd] = []
        async for line in self._lines(ended):
            text = line.strip()
            if not text:
                continue
            try:
                await self._on_line(text)
            except Exception:  # one bad line must not end the console
                log.exception("console command failed")
                sorry = translator(await self._locale())._("Sorry, something went wrong.")
                await self.send(Target(CHAT_ID), self.render(Message(lines=[sorry])))
        end = ended[0] if ended else InputEnd.EOF
        if end is InputEnd.HANGUP:
            log.info("console terminal hung up")
        return end

    async def _on_line(self, text: str) -> None:
        pressed = self._pressed(text)
        if pressed is not None:
            origin, button = pressed
            self._buttons = None  # a press uses up the keyboard, as in a chat
            await self._run(self._context("callback", "", callback=button.data), origin)
            return
        if not text.startswith("/"):
            note = translator(await self._locale())._("Commands start with a slash, e.g. /help")
            await self.send(Target(CHAT_ID), self.render(Message(lines=[note])))
            return
        head, _, args = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        await self._run(self._context(name, args.strip()), None)

    def _pressed(self, text: str) -> tuple[str, Button] | None:
        """A typed button number (or its label) while the last keyboard is still open."""
        if self._buttons is None:
            return None
        origin, buttons = self._buttons
        choice = text.lstrip("/").strip()
        if choice.isdigit() and 1 <= int(choice) <= len(buttons):
            return origin, buttons[int(choice) - 1]
        for button in buttons:
            if choice.casefold() == button.label.casefold():
                return origin, button
        return None

    def _context(self, command: str, args: str, *, callback: str | None = None) -> CommandContext:
        return CommandContext(
            platform=PLATFORM,
            chat_id=CHAT_ID,
            chat_kind=ChatKind.PRIVATE,
            user=self.user,
            command=command,
            args=args,
            is_bot_admin=True,
            locale=self.deps.default_locale,
            callback=callback,
        )

    async def _locale(self) -> str:
        """The console chat's language: its subscription's, else the bot's default."""
        sub = await self.deps.store.get_subscription(PLATFORM, CHAT_ID, None)
        return sub.locale if sub is not None and sub.locale else self.deps.default_locale

    async def _run(self, ctx: CommandContext, origin: str | None) -> None:
        ctx.locale = await self._locale()
        handle = self._handle or _default_handle()
        for reply in await handle(ctx, self.deps):
            rendered = self.render(reply)
            if reply.replace and origin is not None:
                await self.edit(Target(CHAT_ID), origin, rendered)
            else:
                await self.send(Target(CHAT_ID), rendered)

    async def _lines(self, ended: list[InputEnd]) -> AsyncIterator[str]:
        """Lines of stdin without blocking the loop; how the input ended is appended to `ended`.

        A daemon thread does the blocking reads: it works the same for a pipe,
        a file and a terminal, never switches the terminal to non-blocking
        mode, and does not hold up interpreter exit while waiting for input.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        stream = self._stdin
        terminal = _interactive(stream)

        def pump() -> None:
            end = InputEnd.EOF
            try:
                for line in iter(stream.readline, ""):
                    loop.call_soon_threadsafe(queue.put_nowait, line)
                # after a hang-up a terminal reads as empty and stops being a terminal;
                # Ctrl-D reads as empty too, but the terminal is still there
                if terminal and not _interactive(stream):
                    end = InputEnd.HANGUP
            except OSError:  # EIO: the terminal's other side is gone
                if terminal:
                    end = InputEnd.HANGUP
            except ValueError:  # stdin closed under us
                pass
            finally:
                ended.append(end)
                # a closed loop raises RuntimeError: nobody is listening any more
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=pump, name="console-stdin", daemon=True).start()
        while (line := await queue.get()) is not None:
            yield line


# a message the terminal did not take is tried again later, like a send that timed out
_UNPRINTED = SendResult(Outcome.TRANSIENT, error="console output failed: the terminal is gone")


def _discard_into_devnull(stream: TextIO) -> None:
    """Point a dead terminal's descriptor at /dev/null.

    The stream keeps what it could not write and flushes it again at exit; into
    a dead terminal that fails once more and turns a clean stop into exit
    status 120. Into /dev/null it succeeds, and nobody was left to read it.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (io.StringIO in tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
