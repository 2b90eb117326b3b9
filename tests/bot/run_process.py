"""A real `strikebot run` process for tests: its environment and reading its output."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

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


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float = 20.0) -> str:
    """Read `stream` until `needle` appears; everything read so far."""
    seen = ""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            chunk = await stream.read(4096)
            assert chunk, f"output ended before {needle!r}: {seen}"
            seen += chunk.decode()
    return seen
