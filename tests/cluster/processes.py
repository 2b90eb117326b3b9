"""`strikebot run` instances in processes of their own, against fakes the test runs; shared by tests and bench."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
API_TOKEN = "cluster-test-api-token"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    """One running `strikebot run` and where its HTTP API answers."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    env: dict[str, str] = field(repr=False)

    @property
    def api(self) -> str:
        """The root of its HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no clean stop, no goodbye to the database."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL when it takes too long."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        """What it logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_instance(name: str, workdir: Path, settings: Mapping[str, str]) -> Instance:
    """Start one `python -m bot run` with STRIKEBOT_ `settings` (keys without the prefix) and the API on a free port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIKEBOT_")}
    env.update(
        {
            "PTB_TIMEDELTA": "1",
            "PYTHONPATH": str(ROOT),
            "STRIKEBOT_API_HOST": "127.0.0.1",
            "STRIKEBOT_API_PORT": str(port),
            "STRIKEBOT_API_TOKEN": API_TOKEN,
            "STRIKEBOT_SEED": "none",
            "STRIKEBOT_LOG_LEVEL": "INFO",
        }
    )
    env.update({f"STRIKEBOT_{k}": v for k, v in settings.items()})
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Instance(name, proc, port, log, env)


async def wait_healthy(instance: Instance, timeout: float = 60.0) -> None:
    """Wait until its /healthz answers 200; fail with its log when it exits or takes too long."""
    try:
        async with asyncio.timeout(timeout), aiohttp.ClientSession() as http:
            while True:
                if instance.proc.poll() is not None:
                    raise AssertionError(f"{instance.name} exited:\n{instance.output()}")
                try:
                    async with http.get(f"{instance.api}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"{instance.name} did not become healthy:\n{instance.output()}") from None
