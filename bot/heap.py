"""The garbage collector's settings while the bot runs: the start-up heap frozen, young objects collected less often.

A fan-out leases rows in batches of hundreds, and each job carries a few
objects until it is sent: allocation comes in bursts, and with CPython's
default young threshold (700) a 10,000-chat fan-out ran about 550 young and
5 full collections, against 11 young ones for a bare aiohttp client sending
the same messages. A full collection also walked the ~80,000 objects the
imports and the wiring left behind, which live as long as the process.
Frozen, those are skipped; with a young threshold of 10,000 the bursts are
mostly freed by reference counting before a collection starts. Measured on
10,000 chats (bench/README.md): time in the collector 450–530 → 9–14 ms.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# young objects allocated (net of those freed) before a young collection
YOUNG_THRESHOLD = 10_000


@contextmanager
def steady_heap(young_threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Freeze what exists now and collect the young generation less often; both undone on exit.

    The collector is the process's: when two of these overlap (two bots in one
    test process), the first to end restores the thresholds and the other
    leaves them as it finds them.
    """
    before = gc.get_threshold()
    ours = (young_threshold, before[1], before[2])
    # garbage left by the start-up is freed now rather than frozen with the rest
    gc.collect()
    gc.freeze()
    gc.set_threshold(*ours)
    try:
        yield
    finally:
        if gc.get_threshold() == ours:
            gc.set_threshold(*before)
        gc.unfreeze()
