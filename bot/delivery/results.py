"""Group commit of delivery results: one transaction for whatever finished meanwhile."""

from __future__ import annotations

import asyncio
import logging

from storage.outbox import DeliveryResult
from storage.protocol import Store

log = logging.getLogger(__name__)


class ResultWriter:
    """Buffers results and writes them in batches; `put` returns once its result is stored.

    Waiting for the write is what bounds duplicates after a crash: a worker keeps
    its concurrency slot until the platform's answer is on disk, so at most
    `concurrency` messages can have been sent without being recorded.
    """

    def __init__(self, store: Store, *, holder: str | None = None) -> None:
        """Write through `store.finish_deliveries` as the holder of the rows' leases."""
        self._store = store
        self._holder = holder
        self._buffer: list[tuple[DeliveryResult, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def put(self, result: DeliveryResult) -> bool:
        """Queue one result and wait until it is written; False when the write failed."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._buffer.append((result, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="delivery-results")
        # a worker cancelled meanwhile leaves its future cancelled; _drain skips done futures
        return await future

    async def _drain(self) -> None:
        while self._buffer:
            batch, self._buffer = self._buffer, []
            ok = True
            try:
                await self._store.finish_deliveries([r for r, _ in batch], holder=self._holder)
            except Exception:
                # the store already tried again on a new connection; the rows stay leased
                # (no longer renewed) and come back after the lease: a retry, never a loss
                log.exception("recording %d delivery results failed", len(batch))
                ok = False
            for _, future in batch:
                if not future.done():
                    future.set_result(ok)

    async def aclose(self) -> None:
        """Wait for the last write (also after cancellation of the workers)."""
        task = self._task
        if task is not None and not task.done():
            await asyncio.shield(task)
