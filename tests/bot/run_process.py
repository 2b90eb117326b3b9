"""A real `strikebot run` process for tests: its environment and reading its output."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.telegram.api import FakeBotAPI

ROOT = Path(__file__).parents[2]


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `strikebot run` on a SQLite database in `tmp_path`, no seed, `extra` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIKEBOT_")}
    env.update(
        STRIKEBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        STRIKEBOT_SEED="none",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float = 60.0) -> str:
    """Read `stream` until `needle` appears; everything read so far (`timeout` bounds a stuck test: it
    includes the process's start, several seconds on a busy machine)."""
    seen = ""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            chunk = await stream.read(4096)
            assert chunk, f"output ended before {needle!r}: {seen}"
            seen += chunk.decode()
    return seen


async def start_against_fake(
    fake: FakeBotAPI, db_url: str, cwd: Path, *, concurrency: int, lease_seconds: float
) -> asyncio.subprocess.Process:
    """`strikebot run` on `db_url` delivering to the fake Bot API only: limits off, no HTTP API, warnings logged."""
    env = run_env(
        cwd,
        STRIKEBOT_TELEGRAM_TOKEN=fake.token,
        STRIKEBOT_TELEGRAM_API_URL=fake.root,
        STRIKEBOT_TELEGRAM_RATE="0",
        STRIKEBOT_API_HOST="",
        STRIKEBOT_DELIVERY_CONCURRENCY=str(concurrency),
        STRIKEBOT_DELIVERY_LEASE_SECONDS=str(lease_seconds),
        STRIKEBOT_LOG_LEVEL="WARNING",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--db", db_url,
        cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
