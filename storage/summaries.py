"""The summary statements a backend provides besides those of ingest."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from storage.ingest import IngestSql
from storage.models import StrikeSummary

C_contra = TypeVar("C_contra", contravariant=True)


class SummarySql(IngestSql[C_contra], Protocol[C_contra]):
    """Reads of summaries and the statements of a retraction."""

    async def by_id(self, con: C_contra, summary_id: int, *, for_update: bool = False) -> StrikeSummary | None:
        """One summary by id, whatever its status (for_update: held until the transaction ends)."""
        ...

    async def latest(self, con: C_contra, n: int, region: str | None) -> list[StrikeSummary]:
        """Active summaries (of the region), newest period_end first."""
        ...

    async def count(self, con: C_contra) -> int:
        """Every stored summary, retracted ones included."""
        ...

    async def assign_external_id(self, con: C_contra, summary_id: int, external_id: str) -> bool:
        """Give a summary that has none an external_id; False if it had one (or does not exist)."""
        ...

    async def withdraw(self, con: C_contra, summary: StrikeSummary, now: datetime) -> None:
        """Mark an active summary retracted, drop its unstarted deliveries, queue retractions where it went out."""
        ...
