"""A loopback TCP proxy whose network can freeze: packets stop in both directions, sockets stay open.

`freeze()` is a network that neither answers nor closes (a cable pulled, a
firewall dropping packets, a NAT that forgot the flow): bytes already sent are
held, not lost, and nothing is closed, so each side waits as it would on a real
frozen link. New connections are accepted (the kernel completes the handshake)
but not forwarded until `thaw()`, which lets everything through again, held
bytes first, like TCP retransmissions after the link comes back.

    async with TcpProxy("127.0.0.1", 5432) as proxy:
        url = proxy.url_for("postgresql://postgres@127.0.0.1:5432/postgres")
        ...
        proxy.freeze()
        ...
        proxy.thaw()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

T = TypeVar("T")

CHUNK = 65536


class TcpProxy:
    """Forwards connections to 127.0.0.1:<port> on to `host:port`, until frozen."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5432) -> None:
        self.upstream = (host, port)
        self._server: asyncio.Server | None = None
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0

    @property
    def port(self) -> int:
        """The proxy's own port on 127.0.0.1."""
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def frozen(self) -> bool:
        """Whether forwarding is stopped now."""
        return not self._thawed.is_set()

    def url_for(self, url: str) -> str:
        """`url` with its host and port replaced by the proxy's (user, path and query kept)."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def freeze(self) -> None:
        """Stop forwarding in both directions; every socket stays open."""
        self._thawed.clear()

    def thaw(self) -> None:
        """Forward again, what was held first."""
        self._thawed.set()

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        """Stop listening and cut every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in list(self._writers):
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        self._writers.clear()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(client_writer)
        self.connections += 1
        server_writer: asyncio.StreamWriter | None = None
        try:
            # a frozen network does not reach the server either: connect once it thaws
            await self._thawed.wait()
            try:
                server_reader, server_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                return
            self._writers.add(server_writer)
            await asyncio.gather(
                self._pump(client_reader, server_writer), self._pump(server_reader, client_writer)
            )
        finally:
            self._tasks.discard(task)
            for writer in (client_writer, server_writer):
                if writer is not None:
                    self._writers.discard(writer)
                    writer.close()

    async def _pump(self, source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(CHUNK):
                await self._thawed.wait()
                target.write(data)
                await target.drain()
            # the other side's close is held like its data
            await self._thawed.wait()
        except OSError:
            pass
        finally:
            # one side closed: so does the other, once the link lets it through
            target.close()


@asynccontextmanager
async def postgres_proxy() -> AsyncIterator[TcpProxy]:
    """A proxy to the test PostgreSQL server (STRIKEBOT_TEST_POSTGRES_URL's host and port)."""
    from tests.storage.postgres_schema import PG_URL

    parts = urlsplit(PG_URL)
    async with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        yield proxy


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """`awaitable`'s result, or a failed test after `seconds` (a guard against a regression hanging CI).

    Not asyncio.wait_for: a call stuck on a frozen network may not end when cancelled
    either (asyncpg waits for the server to confirm the cancellation), and wait_for
    would wait for it. This gives up on the call and fails at once.
    """
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        pytest.fail(f"still waiting after {seconds:g} s")
    return task.result()
