"""How the dispatcher answers each platform outcome: sent, wait, back off, give up, switch off."""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.delivery_config import DispatcherConfig
from bot.delivery_plan import Plan
from bot.ratelimit import ChatLimiter, GlobalLimiter
from bot.transports.base import Outcome, SendResult
from storage.models import DeliveryStatus
from storage.outbox import DeliveryJob, DeliveryResult

log = logging.getLogger("strikebot.delivery")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutcomesMixin:
    """Turns a platform answer into the outbox row's next state (part of Dispatcher)."""

    config: DispatcherConfig
    counters: Counter[str]
    _global: dict[str, GlobalLimiter]
    _chats: dict[str, ChatLimiter]
    _rng: random.Random
    _clock: Callable[[], float]
    _next_due: float | None

    def _conclude(
        self, job: DeliveryJob, plan: Plan, answer: SendResult, *, chat_id: str
    ) -> DeliveryResult:
        d, sub = job.delivery, job.subscription
        platform = sub.platform
        match answer.outcome:
            case Outcome.OK:
                return DeliveryResult(
                    delivery_id=d.id,
                    status=DeliveryStatus.SENT,
                    platform_message_id=answer.message_id or plan.message_id,
                    message_revision=plan.revision,
                )
            case Outcome.RETRY_AFTER:
                seconds = max(0.0, answer.retry_after or 1.0)
                if answer.global_limit:
                    self._global[platform].pause(seconds)
                else:
                    self._chats[platform].hold(chat_id, seconds)
                log.info("%s asked to wait %.1fs (%s)", platform, seconds,
                         "global" if answer.global_limit else f"chat {chat_id}")
                self.counters["retry_after"] += 1
                # the platform's own pacing, not a failure: the attempt is given back
                return self._defer(job, seconds, error=f"429: retry after {seconds:g}s")
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
                return self._transient(job, answer.error or "transient failure")
            case _:
                reason = answer.error or answer.outcome.value
                log.warning("delivery %d to %s:%s rejected: %s", d.id, platform, chat_id, reason)
                return DeliveryResult(delivery_id=d.id, status=DeliveryStatus.DEAD, error=reason)

    def _transient(self, job: DeliveryJob, reason: str) -> DeliveryResult:
        d = job.delivery
        if d.attempts >= self.config.max_attempts:
            log.warning(
                "delivery %d to %s:%s dead after %d attempts: %s",
                d.id, job.subscription.platform, job.subscription.chat_id, d.attempts, reason,
            )
            return DeliveryResult(delivery_id=d.id, status=DeliveryStatus.DEAD, error=reason)
        delay = min(self.config.max_backoff, self.config.base_backoff * 2 ** max(0, d.attempts - 1))
        delay *= self._rng.uniform(0.5, 1.5)
        self._note_due(delay)
        return DeliveryResult(
            delivery_id=d.id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=_utcnow() + timedelta(seconds=delay),
            error=reason,
        )

    def _defer(self, job: DeliveryJob, seconds: float, *, error: str | None = None) -> DeliveryResult:
        self._note_due(seconds)
        return DeliveryResult(
            delivery_id=job.delivery.id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=_utcnow() + timedelta(seconds=seconds),
            attempted=False,
            error=error,
        )

    def _note_due(self, seconds: float) -> None:
        due = self._clock() + seconds
        if self._next_due is None or due < self._next_due:
            self._next_due = due
