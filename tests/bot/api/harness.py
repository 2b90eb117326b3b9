"""Shared set-up for the API tests: the app on a test server, or a real server in a thread for sync clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.api import build_api
from bot.metrics import Metrics
from storage.sqlite import SqliteStore

T = TypeVar("T")
TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def summary(**overrides: Any) -> dict[str, Any]:
    """A valid ingest payload (the contract's example, shortened)."""
    base: dict[str, Any] = {
        "external_id": "kpszsu/posts/abc",
        "source": "Ukrainian Air Force",
        "source_url": "https://t.me/kpszsu/1",
        "period_start": "2025-07-03T18:00:00+03:00",
        "period_end": "2025-07-04T06:00:00+03:00",
        "regions": ["Kyiv"],
        "weapons": [
            {"model": "Shahed-136/131", "launched": 539, "destroyed": 268, "suppressed": 208},
            {"model": "Iskander-M", "launched": 11, "destroyed": 7},
        ],
        "hit_locations": 8,
        "debris_locations": 33,
        "killed": 0,
        "injured": 23,
        "damage": ["about 40 apartment buildings"],
        "notes": "test",
    }
    base.update(overrides)
    return base


@dataclass
class Harness:
    """A running API with its store, metrics and a record of dispatcher wake-ups."""

    client: TestClient[web.Request, web.Application]
    store: SqliteStore
    metrics: Metrics
    wakes: list[int] = field(default_factory=list)


@asynccontextmanager
async def api_harness(
    tmp_path: Path,
    *,
    token: str | None = TOKEN,
    health: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[Harness]:
    """The API on aiohttp's TestServer, over a fresh SQLite store."""
    async with SqliteStore(str(tmp_path / "api.db")) as store:
        metrics = Metrics()
        wakes: list[int] = []
        app = build_api(
            store, api_token=token, metrics=metrics, wake_dispatcher=lambda: wakes.append(1), health=health
        )
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield Harness(client, store, metrics, wakes)


@dataclass
class ThreadedApi:
    """A real API server on 127.0.0.1 in its own thread and event loop, for synchronous clients."""

    base_url: str
    store: SqliteStore
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine (a store query, say) on the server's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)


@contextmanager
def threaded_api(tmp_path: Path, *, token: str | None = TOKEN) -> Iterator[ThreadedApi]:
    """Start the API in a thread; stop it and close the store on exit."""
    loop = asyncio.new_event_loop()
    ready: dict[str, Any] = {}
    started = threading.Event()
    stop: asyncio.Event | None = None

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with SqliteStore(str(tmp_path / "threaded.db")) as store:
            app = build_api(store, api_token=token, metrics=Metrics(), wake_dispatcher=lambda: None)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            ready.update(base_url=f"http://127.0.0.1:{port}", store=store)
            started.set()
            try:
                await stop.wait()
            finally:
                await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("API server did not start")
    try:
        yield ThreadedApi(ready["base_url"], ready["store"], loop)
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
