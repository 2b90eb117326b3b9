"""What one outbox row asks of the platform: which payload, and send or edit which message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery.render import RenderCache, Renderers
from bot.transports.base import Transport
from storage.models import DeliveryAction, DeliveryStatus, SummaryStatus
from storage.outbox import DeliveryJob, DeliveryResult


@dataclass(frozen=True)
class Plan:
    """One platform request: the payload, and the message to edit (None = send a new one)."""

    payload: Any
    message_id: str | None
    # the summary revision the chat will see; None for broadcasts
    revision: int | None


def skipped(job: DeliveryJob, reason: str | None) -> DeliveryResult:
    """The row needs no request (nothing to withdraw, edit already shown, …)."""
    return DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.SKIPPED, error=reason)


def plan_job(
    job: DeliveryJob, transport: Transport, renderers: Renderers, cache: RenderCache, tz: ZoneInfo, *, now: datetime
) -> Plan | DeliveryResult:
    """The request for a row, rendered once per (content, platform, locale, format, year); or a finished result.

    `now` is the wall clock's time: an alert about a report from another year shows that year.
    """
    d, summary, locale, fmt = job.delivery, job.summary, job.subscription.locale, job.subscription.format
    platform = transport.platform
    if d.summary_id is None:
        text = job.broadcast_text or ""
        payload = cache.get(("b", d.broadcast_id, platform, locale), transport,
                            lambda: renderers.broadcast(text, locale))
        return Plan(payload, None, None)
    if summary is None:
        return skipped(job, "summary no longer exists")
    if d.action == DeliveryAction.RETRACT:
        if job.message_id is None:
            return skipped(job, "nothing was sent to withdraw")
        retracted = renderers.for_retracted(fmt)
        payload = cache.get(("r", summary.id, summary.revision, platform, locale, fmt), transport,
                            lambda: retracted(summary, locale, tz))
        return Plan(payload, job.message_id, summary.revision)
    if summary.status == SummaryStatus.RETRACTED:
        return skipped(job, "report was retracted")
    if d.action == DeliveryAction.EDIT:
        shown = job.message_revision
        if shown is not None and d.revision <= shown:
            # a pending send renders the current revision, so this edit has nothing to add
            return skipped(job, None)
    # a compact chat's corrections are rendered compact too: the edit replaces a compact message
    # the year is part of the key: a render cached on Dec 31 must not outlive the year it left out
    year = now.astimezone(tz).year
    payload = cache.get(("a", summary.id, summary.revision, platform, locale, fmt, year), transport,
                        lambda: renderers.render_alert(fmt, summary, locale, tz, now))
    # an edit whose send never got through goes out as a new alert
    edit_id = job.message_id if d.action == DeliveryAction.EDIT else None
    return Plan(payload, edit_id, summary.revision)


def outcome_label(result: DeliveryResult) -> str:
    """How a finished row is counted in /metrics and Dispatcher.counters."""
    if result.moved_to_chat_id:
        return "moved"
    if result.deactivate_subscription:
        return "deactivated"
    if result.status == DeliveryStatus.PENDING:
        return "retry" if result.attempted else "deferred"
    return result.status.value
