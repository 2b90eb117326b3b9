"""Domain models, the Store protocol and its backends (SQLite, PostgreSQL)."""

from storage.factory import open_store
from storage.models import (
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    IngestOutcome,
    Stats,
    StrikeSummary,
    Subscription,
    SummaryDraft,
    SummaryStatus,
    WeaponCategory,
    WeaponTally,
)
from storage.protocol import Store

__all__ = [
    "Delivery",
    "DeliveryAction",
    "DeliveryStatus",
    "IngestOutcome",
    "Stats",
    "Store",
    "StrikeSummary",
    "Subscription",
    "SummaryDraft",
    "SummaryStatus",
    "WeaponCategory",
    "WeaponTally",
    "open_store",
]
