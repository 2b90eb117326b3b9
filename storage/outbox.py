"""Models that cross the outbox seam between the store and the dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from storage.models import Delivery, DeliveryStatus, StrikeSummary, Subscription


@dataclass(slots=True, kw_only=True)
class DeliveryJob:
    """A leased outbox row with everything needed to perform it (a plain record, like Delivery)."""

    delivery: Delivery
    subscription: Subscription
    summary: StrikeSummary | None = None
    broadcast_text: str | None = None
    # for edit / retract: the message sent earlier for this summary and chat
    message_id: str | None = None
    message_revision: int | None = None


@dataclass(slots=True, kw_only=True, frozen=True)
class DeliveryResult:
    """What happened to one leased row (a plain record: the dispatcher makes one per message it works)."""

    delivery_id: int
    status: DeliveryStatus
    # pending: when to try again; ignored otherwise
    next_attempt_at: datetime | None = None
    attempted: bool = True
    platform_message_id: str | None = None
    # the revision the platform message shows now (send and edit)
    message_revision: int | None = None
    error: str | None = None
    deactivate_subscription: bool = False
    moved_to_chat_id: str | None = None
    # whether the row is an edit or a retraction (True) or the alert's own send (False); None: the store
    # looks it up. Said, it spares a fan-out's result batches the look for follow-ups
    follow_up: bool | None = None


class QueueStats(BaseModel):
    """Outbox health for /status and /metrics."""

    pending: int = 0
    due: int = 0
    in_flight: int = 0
    dead: int = 0
    # sent in the last 24 hours: a count over all time would read every row ever sent
    sent_24h: int = 0
    oldest_due_age_seconds: float = 0.0
    last_error: str | None = None


class OutboxFigures(BaseModel):
    """What /status, /metrics and `strikebot status` show of the store, counted at `taken_at`."""

    taken_at: datetime
    queue: QueueStats
    # active subscriptions by platform
    subscriptions: dict[str, int]
    summaries: int
    # how long counting took: a snapshot is only worth reading instead when counting is slow
    count_seconds: float = 0.0
