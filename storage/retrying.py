"""A write transaction run again on a new connection when the one it ran on was lost.

Only for writes that may safely happen twice: the dispatcher's claims, lease
renewals and results. A lost connection rolled its transaction back, unless it
broke while the commit was being acknowledged; a second run of these writes is
then harmless (a result is written again with the same values, a renewal
renews again, rows claimed without our knowing come back when their lease ends).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from storage.database import Database
from storage.errors import ConnectionLost

log = logging.getLogger(__name__)

C = TypeVar("C")
T = TypeVar("T")

# a pool replaces its cut connections within milliseconds; a server that is down for longer
# than these few tries is an outage, which the caller reports and lives through
ATTEMPTS = 6
FIRST_PAUSE = 0.05


async def write_retrying(
    database: Database[C], work: Callable[[C], Awaitable[T]], *, what: str, alone: bool = False
) -> T:
    """Run `work` in a write transaction (`alone`: a write atomic by itself, without one), up to ATTEMPTS times.

    It runs again while the connection keeps getting lost.
    """
    pause = FIRST_PAUSE
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with database.statement() if alone else database.tx() as con:
                return await work(con)
        except ConnectionLost as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("%s: %s; trying again on a new connection (%d of %d)", what, exc, attempt + 1, ATTEMPTS)
        await asyncio.sleep(pause)
        pause *= 2
    raise AssertionError("unreachable")
