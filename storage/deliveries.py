"""Outbox rules written once: leased rows become jobs, results become row updates and subscription changes.

The backend gives the statements (`OutboxSql`), inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from storage.models import Delivery, DeliveryStatus, StrikeSummary, Subscription
from storage.outbox import DeliveryJob, DeliveryResult, QueueStats
from storage.subscriptions import SubscriptionSql, move_subscription
from storage.timeutil import utc

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)

# (summary_id, subscription_id) → (platform message id, revision it shows) of the alert sent there
SentMessages = dict[tuple[int, int], tuple[str | None, int | None]]


@dataclass(frozen=True)
class Claim:
    """One claim of due rows: `limit` of them, leased to `holder` until `lease_until`."""

    now: datetime
    lease_until: datetime
    limit: int
    # None: every platform
    platforms: list[str] | None
    # who leases the rows (a dispatcher's own token); None leases them to nobody in particular
    holder: str | None


class OutboxSql(Protocol[C_contra]):
    """The outbox statements of a backend."""

    async def enqueue_broadcast(self, con: C_contra, text: str, created_by: str | None, now: datetime) -> int:
        """Store a broadcast and queue it to every active subscription: how many were queued."""
        ...

    async def claim(self, con: C_contra, claim: Claim) -> list[Delivery]:
        """Lease up to `claim.limit` due rows of active subscriptions (of its platforms) to its holder, oldest first.

        Only the oldest pending row of a subscription may run: per-chat order,
        and an edit never overtakes its send.
        """
        ...

    async def renew(self, con: C_contra, ids: list[int], holder: str, lease_until: datetime) -> list[int]:
        """Extend to `lease_until` the leases `holder` still holds among `ids` (pending rows only): the ids renewed."""
        ...

    async def subscriptions(self, con: C_contra, ids: list[int]) -> dict[int, Subscription]:
        """Subscriptions by id."""
        ...

    async def summaries(self, con: C_contra, ids: list[int]) -> dict[int, StrikeSummary]:
        """Summaries by id."""
        ...

    async def sent_messages(self, con: C_contra, keys: list[tuple[int, int]]) -> SentMessages:
        """For (summary_id, subscription_id) pairs: the message sent there and the newest revision it shows."""
        ...

    async def broadcast_texts(self, con: C_contra, ids: list[int]) -> dict[int, str]:
        """Broadcast texts by id."""
        ...

    async def finish(
        self, con: C_contra, results: Sequence[DeliveryResult], now: datetime, holder: str | None
    ) -> None:
        """Write each result into its row and end its lease (see `finish_values`); tally the rows that became sent.

        Each row's result and its tally are written together without a transaction
        around the call (one statement, or a trigger of it): the store runs it
        alone when `rows_only` says a batch needs nothing else. A row already sent
        (a second report of the same send) is no new send.
        """
        ...

    async def adopt(self, con: C_contra, results: Sequence[DeliveryResult], now: datetime) -> None:
        """The alert's own send row takes the message and revision its edits went out with; a dead one becomes sent, tallied at `now`."""
        ...

    async def subscription_of(self, con: C_contra, delivery_id: int) -> int | None:
        """The subscription a delivery row belongs to."""
        ...

    async def prune(self, con: C_contra, before: datetime) -> int:
        """Delete finished rows last touched before `before` that no later action needs: how many.

        Also merges the send tallies into one row per minute and deletes those a day older than `before`.
        """
        ...

    async def queue_stats(self, con: C_contra, now: datetime) -> QueueStats:
        """Outbox health, every part read from an index range."""
        ...


def finish_values(result: DeliveryResult, now: datetime, holder: str | None) -> dict[str, Any]:
    """The values the statement recording one result binds, in this order (times aware, in UTC).

    The statement writes a result into a row that is still pending, or that
    went out (`sent` is always worth knowing: a row taken over by another
    holder is then no longer sent by it). With a `holder`, any other result is
    written only while that holder still holds the row's lease: a holder whose
    lease was taken over must not undo the new holder's work.
    """
    return {
        "status": result.status.value,
        "next": utc(result.next_attempt_at) if result.next_attempt_at else None,
        "attempted": result.attempted,
        "message_id": result.platform_message_id,
        "message_revision": result.message_revision,
        "error": result.error,
        "now": now,
        "id": result.delivery_id,
        "holder": holder,
    }


async def claim_jobs(sql: OutboxSql[C], con: C, claim: Claim) -> list[DeliveryJob]:
    """Lease due rows and load everything the dispatcher needs to perform them."""
    rows = await sql.claim(con, claim)
    if not rows:
        return []
    subscriptions = await sql.subscriptions(con, sorted({r.subscription_id for r in rows}))
    summary_ids = sorted({r.summary_id for r in rows if r.summary_id is not None})
    summaries = await sql.summaries(con, summary_ids) if summary_ids else {}
    # edits and retractions act on the message sent earlier for that summary and chat
    followups = sorted({(r.summary_id, r.subscription_id) for r in rows if r.action != "send" and r.summary_id is not None})
    sent = await sql.sent_messages(con, followups) if followups else {}
    broadcast_ids = sorted({r.broadcast_id for r in rows if r.broadcast_id is not None})
    texts = await sql.broadcast_texts(con, broadcast_ids) if broadcast_ids else {}
    jobs = []
    for row in rows:
        message_id, message_revision = (None, None)
        if row.summary_id is not None and row.action != "send":
            message_id, message_revision = sent.get((row.summary_id, row.subscription_id), (None, None))
        jobs.append(
            DeliveryJob(
                delivery=row,
                subscription=subscriptions[row.subscription_id],
                summary=summaries.get(row.summary_id) if row.summary_id is not None else None,
                broadcast_text=texts.get(row.broadcast_id) if row.broadcast_id is not None else None,
                message_id=message_id,
                message_revision=message_revision,
            )
        )
    return jobs


def rows_only(results: Sequence[DeliveryResult]) -> bool:
    """Whether recording `results` is `finish` alone: no alert's row to update, no subscription to switch off or move."""
    return not any(_adopted(r) or r.deactivate_subscription or r.moved_to_chat_id for r in results)


def _adopted(result: DeliveryResult) -> bool:
    """Whether a result may hand its message on to the alert's own send row (see `record_results`)."""
    return (
        result.status == DeliveryStatus.SENT
        and result.follow_up is not False
        and (result.message_revision is not None or result.platform_message_id is not None)
    )


async def record_results(
    outbox: OutboxSql[C],
    subscriptions: SubscriptionSql[C],
    con: C,
    results: Sequence[DeliveryResult],
    now: datetime,
    holder: str | None = None,
) -> None:
    """Write a batch of results (as `holder`), then switch off or move the subscriptions they ask to."""
    # sent_24h sums the tallies finish and adopt leave: counting a day of sent rows would read up to millions
    await outbox.finish(con, results, now, holder)
    # the alert's own row learns which revision its message shows now, so the edit
    # rows can be pruned without losing that; an edit that went out as a new message
    # (its send had failed) or as a reply (the old one was no longer editable) makes
    # that message the alert's. Results known to be sends have nothing to hand on.
    shown = [r for r in results if _adopted(r)]
    if shown:
        await outbox.adopt(con, shown, now)
    for r in results:
        if not (r.deactivate_subscription or r.moved_to_chat_id):
            continue
        subscription_id = await outbox.subscription_of(con, r.delivery_id)
        if subscription_id is None:
            continue
        if r.deactivate_subscription:
            await subscriptions.deactivate(con, subscription_id, now)
            await subscriptions.skip_pending(con, subscription_id, r.error or "subscription deactivated", now)
        if r.moved_to_chat_id:
            await move_subscription(subscriptions, con, subscription_id, r.moved_to_chat_id, now)
