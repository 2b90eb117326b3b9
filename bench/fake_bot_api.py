"""The fake Bot API (tests/fakes/telegram) in a process of its own, as the benchmarks drive it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# the token the fake accepts by default (tests/fakes/telegram/api.py DEFAULT_TOKEN's shape)
TOKEN = "123456789:AAFakeTokenForStrikebotTests_0123456"


class FakeServer:
    """The fake Bot API in its own process (python -m tests.fakes.telegram.api)."""

    def __init__(self, *extra: str) -> None:
        """Arguments are passed to the fake's command line."""
        self.args = [sys.executable, "-m", "tests.fakes.telegram.api", "--port", "0", *extra]
        self.proc: subprocess.Popen[str] | None = None
        self.root = ""

    @classmethod
    def at(cls, root: str) -> FakeServer:
        """A handle on a fake another process started."""
        fake = cls()
        fake.root = root
        return fake

    def __enter__(self) -> FakeServer:
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.root = self.proc.stdout.readline().strip()
        if not self.root.startswith("http"):
            raise SystemExit(f"fake Bot API did not start: {self.root!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)

    def stats(self) -> dict[str, Any]:
        """The fake's counters (GET /_fake/stats)."""
        with urllib.request.urlopen(f"{self.root}/_fake/stats", timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def send_times(self) -> list[float]:
        """Arrival wall times of the successful sendMessage calls (GET /_fake/send_times; needs recording)."""
        with urllib.request.urlopen(f"{self.root}/_fake/send_times", timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget counters and recorded calls (POST /_fake/reset)."""
        req = urllib.request.Request(f"{self.root}/_fake/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).close()
