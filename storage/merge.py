"""Backend-independent rules for ingesting over an existing summary."""

from __future__ import annotations

from storage.models import SummaryDraft


def merge_history(stored: SummaryDraft, incoming: SummaryDraft) -> SummaryDraft:
    """Incoming history over stored content: unknown (None / empty) fields keep the stored value.

    Keeps the richer revision when a dataset row that lacks casualties and
    damage is imported after a seed or a live report that has them.
    """
    updates = {}
    for name in SummaryDraft.model_fields:
        value = getattr(incoming, name)
        if value is None or value == ():
            continue
        updates[name] = value
    # a neutralized total goes with the weapon figures it completes: incoming weapons bring their own
    if not incoming.weapons and not incoming.neutralized_unsplit:
        updates.pop("neutralized_unsplit", None)
    return stored.model_copy(update=updates)
