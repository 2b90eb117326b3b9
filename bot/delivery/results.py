"""Group commit of delivery results: one transaction for whatever finished meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.outage import OutageLog
from storage.errors import ConnectionLost, StoreUnavailable
from storage.outbox import DeliveryResult
from storage.protocol import Store

log = logging.getLogger(__name__)

# a batch the store could not take is written again after this long, doubling up to RETRY_MAX
RETRY_MAX = 10.0


class ResultWriter:
    """Buffers results and writes them in batches; `put` returns once its result is stored.

    Waiting for the write is what bounds duplicates after a crash: a worker keeps
    its concurrency slot until the platform's answer is on disk, so at most
    `concurrency` messages can have been sent without being recorded.

    While the store is away (the write's own retries on a new connection spent),
    the answers are kept and written again, every `retry_pause` seconds backing
    off to RETRY_MAX, instead of being dropped: a dropped answer's row would come
    back after its lease and go out a second time. Meanwhile the workers keep
    their slots, so nothing new is sent until the store takes the answers.
    """

    def __init__(
        self,
        store: Store,
        *,
        holder: str | None = None,
        retry_pause: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Write through `store.finish_deliveries` as the holder of the rows' leases."""
        self._store = store
        self._holder = holder
        # never a tight loop against a store that is away, whatever the poll interval
        self._retry_pause = max(retry_pause, 0.05)
        self._buffer: list[tuple[DeliveryResult, asyncio.Future[bool]]] = []
        self._writing = 0
        self._task: asyncio.Task[None] | None = None
        self._outage = OutageLog(log, "recording delivery results", clock=clock)

    async def put(self, result: DeliveryResult) -> bool:
        """Queue one result and wait until it is written; False when the write failed for good."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._buffer.append((result, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="delivery-results")
        # a worker cancelled meanwhile leaves its future cancelled; _drain skips done futures
        return await future

    async def _drain(self) -> None:
        pause = self._retry_pause
        while self._buffer:
            batch, self._buffer = self._buffer, []
            self._writing = len(batch)
            ok = True
            try:
                await self._store.finish_deliveries([r for r, _ in batch], holder=self._holder)
            except (ConnectionLost, StoreUnavailable) as exc:
                self._outage.failed(exc, extra={"results": len(batch)})
                # oldest answers first, ahead of those that arrived meanwhile
                self._buffer[:0] = batch
                self._writing = 0
                await asyncio.sleep(pause)
                pause = min(2 * pause, RETRY_MAX)
                continue
            except Exception:
                # not the store being away (a bug, a constraint): the rows stay leased (no longer
                # renewed) and come back after the lease: a retry, never a loss
                log.exception("recording %d delivery results failed", len(batch))
                ok = False
            else:
                self._outage.succeeded()
                pause = self._retry_pause
            self._writing = 0
            for _, future in batch:
                if not future.done():
                    future.set_result(ok)

    async def aclose(self, grace: float | None = None) -> None:
        """Wait for the last write (also after cancellation of the workers), at most `grace` seconds if given.

        Answers the store has not taken by then are given up: their rows come back when their lease ends.
        """
        task = self._task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            unwritten = self._writing + len(self._buffer)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            log.warning(
                "stopping: %d delivery results could not be recorded within %.0fs; "
                "their rows return when their lease ends", unwritten, grace,
            )
