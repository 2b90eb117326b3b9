"""Starting a platform transport: retried with backoff while the platform cannot be reached.

At boot the network often comes up after the bot (or the platform has a bad
minute); exiting then leaves the restart to the service manager, which gives
up after a few quick failures. Only a refused token stops the start at once:
no retry can fix it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from typing import TypeVar

from bot.logging_redact import Redactor
from bot.transports.base import TokenRefused

log = logging.getLogger(__name__)

T = TypeVar("T")


class StartupError(Exception):
    """The bot cannot start (port taken, platform refused the token, …)."""


class StopRequested(Exception):
    """A stop signal arrived while the bot was still starting."""


@dataclass(frozen=True)
class StartupBackoff:
    """The waits between attempts to start a platform: doubling from `first` up to `longest` seconds."""

    first: float = 1.0
    longest: float = 60.0

    def delays(self) -> Iterator[float]:
        """1, 2, 4, … seconds, then `longest` for ever."""
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.longest)


async def enter_with_retries(
    stack: AsyncExitStack,
    build: Callable[[], AbstractAsyncContextManager[T]],
    name: str,
    *,
    redact: Redactor,
    stop: asyncio.Event,
    backoff: StartupBackoff,
) -> T:
    """Enter a freshly built transport, retrying until it starts, its token is refused or `stop` is set.

    Each attempt builds a new transport, so nothing half-started is reused.
    Every failure is logged with the token masked.
    """
    delays = backoff.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await stack.enter_async_context(build())
        except TokenRefused as exc:
            raise StartupError(f"{name} did not start: {redact(str(exc))}") from None
        except Exception as exc:  # the platform libraries raise many kinds; all mean "not now"
            reason = redact(str(exc) or type(exc).__name__)
            delay = next(delays)
            log.warning(
                "%s did not start: %s; retrying in %.0f s",
                name,
                reason,
                delay,
                extra={"platform": name.lower(), "attempt": attempt, "retry_in": delay},
            )
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            continue
        raise StopRequested(f"stopped while {name} was starting")
