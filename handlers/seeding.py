"""Fill an empty store from seeds/ (the dataset, then the richer seed night), silently."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from handlers.csv_import import ImportReport, read_reports
from handlers.ingest import parse_many
from storage.merge import merge_history
from storage.models import SummaryDraft
from storage.protocol import Store

DATASET = "missile_attacks_daily.csv.gz"
SEED_NIGHT = "seed-night.json"


@dataclass
class SeedReport:
    loaded: bool
    summaries: int = 0


def merge_seeds(history: Sequence[SummaryDraft], richer: Sequence[SummaryDraft]) -> list[SummaryDraft]:
    """The dataset's drafts with each richer seed merged into the row of the same external_id.

    Stored in one go, a seeded report is born as revision 1: loading history
    must not look like a correction to readers.
    """
    drafts = list(history)
    at = {draft.external_id: i for i, draft in enumerate(drafts) if draft.external_id is not None}
    for seed in richer:
        i = at.get(seed.external_id) if seed.external_id is not None else None
        if i is None:
            drafts.append(seed)
        else:
            drafts[i] = merge_history(drafts[i], seed)
    return drafts


async def load_seeds(store: Store, *, only_if_empty: bool = True) -> SeedReport:
    """Import the shipped dataset and seed night; history never notifies."""
    if only_if_empty and await store.count_summaries() > 0:
        return SeedReport(loaded=False)
    folder = resources.files("seeds")
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / DATASET
        dataset.write_bytes(folder.joinpath(DATASET).read_bytes())
        history = list(read_reports(dataset, ImportReport()))
    night = json.loads(folder.joinpath(SEED_NIGHT).read_text(encoding="utf-8"))
    drafts = merge_seeds(history, parse_many(night, live=False))
    await store.ingest_many(drafts, notify=False, merge_history=True)
    return SeedReport(loaded=True, summaries=await store.count_summaries())
