"""A closed terminal stops the bot: SIGHUP to `strikebot run` (directly or under `make run`) and a hung-up console.

Each case starts a real process with the HTTP API on a free port, hangs it
up the way a closed window or a killed tmux session does, and checks that
it stopped cleanly and left the port free for the next `make run`.
"""

from __future__ import annotations

import asyncio
import os
import pty
import shutil
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bot.run_process import ROOT, run_env

VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def _wait_listening(port: int, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            await writer.wait_closed()
            return


def _api_env(tmp_path: Path, port: int) -> dict[str, str]:
    return run_env(tmp_path, STRIKEBOT_API_HOST="127.0.0.1", STRIKEBOT_API_PORT=str(port))


async def test_sighup_stops_strikebot_run_cleanly_and_frees_the_port(tmp_path: Path) -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=tmp_path, env=_api_env(tmp_path, port),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_listening(port)
        proc.send_signal(signal.SIGHUP)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "strikebot stopped" in err.decode()
    assert _port_is_free(port)


def _ignore_sighup() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.skipif(not (VENV_BIN / "strikebot").exists(), reason="tests run outside the project's venv")
@pytest.mark.parametrize("inherited", ["default", "ignored"], ids=["sighup-default", "sighup-ignored"])
async def test_hangup_of_make_run_stops_the_bot_and_frees_the_port(tmp_path: Path, inherited: str) -> None:
    # a terminal hang-up reaches the whole foreground process group: make and the bot under it;
    # "ignored" is a shell or multiplexer that started make with SIGHUP ignored
    port = _free_port()
    venv = VENV_BIN.parent
    preexec: Callable[[], None] | None = _ignore_sighup if inherited == "ignored" else None
    proc = await asyncio.create_subprocess_exec(
        "make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "-o", f"{venv}/.installed",
        f"VENV={venv}", "run",
        cwd=tmp_path, env=_api_env(tmp_path, port), start_new_session=True, preexec_fn=preexec,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_listening(port)
        os.killpg(proc.pid, signal.SIGHUP)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    assert "strikebot stopped" in err.decode(), err.decode()
    assert _port_is_free(port)


async def _start_on_terminal(tmp_path: Path, port: int) -> tuple[asyncio.subprocess.Process, int]:
    """`strikebot run` whose stdin and stdout are a pseudo-terminal; returns it and the terminal's master side."""
    master, slave = pty.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            cwd=tmp_path, env=_api_env(tmp_path, port),
            stdin=slave, stdout=slave, stderr=asyncio.subprocess.PIPE,
        )
    finally:
        os.close(slave)
    return proc, master


async def _read_terminal(master: int, needle: str, timeout: float = 30.0) -> str:
    seen = ""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        while needle not in seen:
            chunk = await loop.run_in_executor(None, os.read, master, 4096)
            assert chunk, f"terminal output ended before {needle!r}: {seen}"
            seen += chunk.decode(errors="replace")
    return seen


async def test_console_terminal_gone_stops_the_bot_even_with_the_api_up(tmp_path: Path) -> None:
    port = _free_port()
    proc, master = await _start_on_terminal(tmp_path, port)
    assert proc.stderr is not None
    try:
        await _wait_listening(port)
        await _read_terminal(master, "Type /help")
        os.close(master)  # the window is closed: the console's reads fail with EIO
        master = -1
        await asyncio.wait_for(proc.wait(), 30)
        err = (await proc.stderr.read()).decode()
    finally:
        if master >= 0:
            os.close(master)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err
    assert "strikebot stopped" in err
    assert _port_is_free(port)


async def test_ctrl_d_at_the_terminal_says_the_bot_keeps_running_for_the_api(tmp_path: Path) -> None:
    port = _free_port()
    proc, master = await _start_on_terminal(tmp_path, port)
    assert proc.stderr is not None
    try:
        await _wait_listening(port)
        await _read_terminal(master, "Type /help")
        os.write(master, b"\x04")  # Ctrl-D at the start of a line: end of input, the terminal stays
        said = await _read_terminal(master, "Ctrl-C")
        assert "keeps running" in said and f"127.0.0.1:{port}" in said
        await asyncio.sleep(0.5)
        assert proc.returncode is None
        await _wait_listening(port, timeout=5)
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 30)
        err = (await proc.stderr.read()).decode()
    finally:
        os.close(master)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err
    assert "strikebot stopped" in err
