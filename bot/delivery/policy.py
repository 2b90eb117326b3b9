"""How the dispatcher answers each platform outcome: sent, wait, back off, give up, switch off."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.delivery.config import DispatcherConfig
from bot.delivery.plan import Plan
from bot.delivery.ratelimit import ChatLimiter, GlobalLimiter
from bot.transports.base import Outcome, SendResult
from storage.models import DeliveryAction, DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult

log = logging.getLogger(__name__)


class OutcomePolicy:
    """Turns a platform answer into the outbox row's next state, and remembers the earliest retry it set."""

    def __init__(
        self,
        config: DispatcherConfig,
        global_limiters: Mapping[str, GlobalLimiter],
        chat_limiters: Mapping[str, ChatLimiter],
        *,
        rng: random.Random,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime],
    ) -> None:
        """Back off per `config`, honour 429s through the limiters (by platform name).

        `clock` (monotonic) dates the earliest retry for `take_next_due`;
        `wall_clock` (aware) dates `next_attempt_at` in the outbox.
        """
        self._config = config
        self._global = global_limiters
        self._chats = chat_limiters
        self._rng = rng
        self._clock = clock
        self._wall_clock = wall_clock
        self._next_due: float | None = None

    def conclude(self, job: DeliveryJob, plan: Plan, answer: SendResult, *, chat_id: str) -> DeliveryResult:
        """The row's result for the platform's `answer` to the request `plan` made in `chat_id`."""
        d, sub = job.delivery, job.subscription
        platform = sub.platform
        match answer.outcome:
            case Outcome.OK:
                return DeliveryResult(
                    delivery_id=d.id,
                    status=DeliveryStatus.SENT,
                    platform_message_id=answer.message_id or plan.message_id,
                    message_revision=plan.revision,
                    follow_up=d.action != DeliveryAction.SEND,
                )
            case Outcome.RETRY_AFTER:
                seconds = max(0.0, answer.retry_after or 1.0)
                if answer.global_limit:
                    self._global[platform].pause(seconds)
                else:
                    self._chats[platform].hold(chat_id, seconds)
                log.info("%s asked to wait %.1fs (%s)", platform, seconds,
                         "global" if answer.global_limit else f"chat {chat_id}")
                # the platform's own pacing, not a failure: the attempt is given back
                return self.defer(job, seconds, error=f"429: retry after {seconds:g}s")
            case Outcome.GONE | Outcome.MOVED:
                reason = answer.error or "chat is gone"
                log.info("deactivating %s:%s: %s", platform, sub.chat_id, reason)
                return DeliveryResult(
                    delivery_id=d.id,
                    status=DeliveryStatus.SKIPPED,
                    error=f"gone: {reason}",
                    deactivate_subscription=True,
                )
            case Outcome.TRANSIENT:
                return self.transient(job, answer.error or "transient failure")
            case _:
                reason = answer.error or answer.outcome.value
                log.warning("delivery %d to %s:%s rejected: %s", d.id, platform, chat_id, reason)
                return DeliveryResult(delivery_id=d.id, status=DeliveryStatus.DEAD, error=reason)

    def transient(self, job: DeliveryJob, reason: str) -> DeliveryResult:
        """A failure worth another attempt: back off exponentially, dead after `max_attempts`."""
        d = job.delivery
        if d.attempts >= self._config.max_attempts:
            log.warning(
                "delivery %d to %s:%s dead after %d attempts: %s",
                d.id, job.subscription.platform, job.subscription.chat_id, d.attempts, reason,
            )
            return DeliveryResult(delivery_id=d.id, status=DeliveryStatus.DEAD, error=reason)
        delay = min(self._config.max_backoff, self._config.base_backoff * 2 ** max(0, d.attempts - 1))
        delay *= self._rng.uniform(0.5, 1.5)
        self._note_due(delay)
        return DeliveryResult(
            delivery_id=d.id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=self._wall_clock() + timedelta(seconds=delay),
            error=reason,
        )

    def defer(self, job: DeliveryJob, seconds: float, *, error: str | None = None) -> DeliveryResult:
        """Try the row again in `seconds` without counting an attempt."""
        self._note_due(seconds)
        return DeliveryResult(
            delivery_id=job.delivery.id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=self._wall_clock() + timedelta(seconds=seconds),
            attempted=False,
            error=error,
        )

    def take_next_due(self) -> float | None:
        """The earliest monotonic time a row put off since the last call is due again (None: none)."""
        due, self._next_due = self._next_due, None
        return due

    def _note_due(self, seconds: float) -> None:
        due = self._clock() + seconds
        if self._next_due is None or due < self._next_due:
            self._next_due = due
