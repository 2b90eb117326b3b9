"""The console chat, driven through its stdin/stdout like a terminal user would."""

from __future__ import annotations

import asyncio
import io
import json
import os
import pty
import signal
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.transports.base import Outcome, Target
from bot.transports.console import CHAT_ID, ConsoleTransport
from handlers.context import HandlerDeps, Image, Message
from handlers.ingest import ingest_payload
from storage.protocol import Store
from tests.bot.run_process import ROOT, read_until, run_env
from tests.bot.transports.telegram.support import open_test_store

SEED = json.loads((Path(__file__).parents[3] / "seeds" / "seed-night.json").read_text())


async def converse(store: Store, tmp_path: Path, typed: str) -> str:
    """Type `typed` into a console chat until end of input; return everything printed."""
    out = io.StringIO()
    deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
    console = ConsoleTransport(deps, stdin=io.StringIO(typed), stdout=out, image_dir=tmp_path / "img")
    await console.run()
    return out.getvalue()


async def test_commands_get_plain_text_replies(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        await ingest_payload(store, SEED, notify=False)
        printed = await converse(store, tmp_path, "/help\n\n/latest 1\nhello\n/stast\n")
    assert "/post" in printed  # the console user is a bot admin
    assert "550" in printed and "<b>" not in printed
    assert "Commands start with a slash" in printed
    assert "Did you mean /stats?" in printed


async def test_post_confirmed_by_typing_the_button_number(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        before = await store.count_summaries()
        printed = await converse(store, tmp_path, '/post drones=120 missiles=4 regions="Kyiv, Odesa"\n1\n')
        assert await store.count_summaries() == before + 1
        [posted] = await store.latest(1)
    assert "[1] Confirm   [2] Cancel" in printed
    assert f"Posted as report #{posted.id}" in printed
    assert posted.launched == 124


async def test_cancel_by_label_and_stale_number_is_not_a_press(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        printed = await converse(store, tmp_path, "/post drones=5\ncancel\n1\n")
        assert await store.count_summaries() == 0
    assert "Cancelled" in printed
    assert "Commands start with a slash" in printed  # "1" after the press is just text


async def test_subscribe_and_receive_an_alert_with_image(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        printed = await converse(store, tmp_path, "/subscribe\n")
        sub = await store.get_subscription("console", CHAT_ID)
        assert sub is not None and sub.active
        out = io.StringIO()
        console = ConsoleTransport(
            HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv")), stdout=out, image_dir=tmp_path / "img"
        )
        alert = Message(title="Night of 4 July", lines=["550 launched"], image=Image(b"\x89PNG data", "chart.png"))
        result = await console.send(Target(CHAT_ID), console.render(alert))
        fixed = await console.edit(Target(CHAT_ID), result.message_id or "", console.render(Message(title="Corrected")))
    assert result.outcome == Outcome.OK and fixed.outcome == Outcome.OK
    text = out.getvalue()
    assert "Night of 4 July\n---------------\n550 launched" in text
    saved = Path(text.split("[image saved to ")[1].split("]")[0])
    assert saved.read_bytes() == b"\x89PNG data"
    assert f"[#{result.message_id} updated]\nCorrected" in text
    assert printed


async def test_button_hint_is_in_the_chat_language(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        printed = await converse(store, tmp_path, "/lang uk\n/post drones=5\n")
    assert "введіть номер, щоб натиснути кнопку" in printed
    assert "type the number" not in printed


async def test_a_terminal_closed_under_the_output_drops_it_and_the_alert_is_tried_again(tmp_path: Path) -> None:
    # the window closed while the bot was printing (CI saw `strikebot run` crash with EIO this way)
    master, slave = pty.openpty()
    terminal = os.fdopen(slave, "w", encoding="utf-8")
    os.close(master)
    try:
        async with open_test_store(tmp_path) as store:
            console = ConsoleTransport(
                HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv")),
                stdin=io.StringIO(""), stdout=terminal, image_dir=tmp_path / "img",
            )
            await console.note("strikebot console chat")
            sent = await console.send(Target(CHAT_ID), console.render(Message(lines=["550 launched"])))
            edited = await console.edit(Target(CHAT_ID), "1", console.render(Message(lines=["551 launched"])))
            ended = await console.run()
        # nobody saw them: the rows stay queued (retried with back-off), they are not marked sent
        assert sent.outcome == edited.outcome == Outcome.TRANSIENT
        assert sent.message_id is None
        assert ended.value == "eof"
        # what the stream still holds is flushed at exit; into the dead terminal that would fail again
        terminal.write("left over\n")
        terminal.flush()
    finally:
        terminal.close()


async def test_images_of_a_new_run_do_not_overwrite_the_last_runs(tmp_path: Path) -> None:
    async with open_test_store(tmp_path) as store:
        deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"))
        saved = []
        for run, data in enumerate((b"first run", b"second run")):
            out = io.StringIO()
            # each run numbers its messages from 1 again
            console = ConsoleTransport(deps, stdout=out, image_dir=tmp_path / "img")
            await console.send(Target(CHAT_ID), console.render(Message(title=f"run {run}", image=Image(data))))
            saved.append(Path(out.getvalue().split("[image saved to ")[1].split("]")[0]))
    assert saved[0] != saved[1]
    assert saved[0].read_bytes() == b"first run" and saved[1].read_bytes() == b"second run"


# ----- a real `strikebot run` process with the console chat -----

async def _start(tmp_path: Path, **extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=tmp_path, env=run_env(tmp_path, **extra),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def test_strikebot_run_console_exits_at_end_of_input(tmp_path: Path) -> None:
    proc = await _start(tmp_path, STRIKEBOT_API_HOST="")
    typed = b'/help\n/post drones=120 missiles=4 regions="Kyiv, Odesa"\n1\n/latest 1\n'
    out, err = await asyncio.wait_for(proc.communicate(typed), 60)
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "/broadcast" in text and "[1] Confirm" in text
    assert "Posted as report #1" in text
    assert "124 launched" in text
    assert "Traceback" not in err.decode()


async def test_strikebot_run_console_gets_alerts_and_outlives_eof_while_api_runs(tmp_path: Path) -> None:
    proc = await _start(tmp_path, STRIKEBOT_API_HOST="127.0.0.1", STRIKEBOT_API_PORT="0")
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(b"/subscribe\n")
        await proc.stdin.drain()
        await read_until(proc.stdout, "[#1]")
        # a live ingest by another process reaches the console subscription via the dispatcher
        ingest = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "ingest", str(ROOT / "seeds" / "seed-night.json"),
            cwd=tmp_path, env=run_env(tmp_path),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        _, ingest_err = await asyncio.wait_for(ingest.communicate(), 60)
        assert ingest.returncode == 0, ingest_err.decode()
        alert = await read_until(proc.stdout, "550")
        assert "Kyiv" in alert
        proc.stdin.close()  # end of input: the HTTP API still runs, so the bot stays up
        await asyncio.sleep(1.0)
        assert proc.returncode is None
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
        err = (await proc.stderr.read()).decode()
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
