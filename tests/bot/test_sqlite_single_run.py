"""A second `strikebot run` on the SQLite file another one serves is refused with a message saying why."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.cluster.processes import start_instance, wait_healthy


async def test_second_run_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    first = start_instance("first", tmp_path, settings)
    try:
        await wait_healthy(first)
        second = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=first.env | {"STRIKEBOT_API_PORT": "0"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "already served by `strikebot run`" in second.stderr
        assert "PostgreSQL" in second.stderr
        assert first.proc.poll() is None, "the first instance keeps running"
    finally:
        await asyncio.to_thread(first.stop)
