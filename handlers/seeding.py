"""Fill an empty store from seeds/ (the dataset, then the richer seed night), silently."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from handlers.csv_import import import_csv
from handlers.ingest import parse_many
from storage.protocol import Store

DATASET = "missile_attacks_daily.csv.gz"
SEED_NIGHT = "seed-night.json"


@dataclass
class SeedReport:
    loaded: bool
    summaries: int = 0


async def load_seeds(store: Store, *, only_if_empty: bool = True) -> SeedReport:
    """Import the shipped dataset and seed night; history never notifies."""
    if only_if_empty and await store.count_summaries() > 0:
        return SeedReport(loaded=False)
    folder = resources.files("seeds")
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / DATASET
        dataset.write_bytes(folder.joinpath(DATASET).read_bytes())
        await import_csv(store, dataset)
    night = json.loads(folder.joinpath(SEED_NIGHT).read_text(encoding="utf-8"))
    drafts = parse_many(night, live=False)
    await store.ingest_many(drafts, notify=False, merge_history=True)
    return SeedReport(loaded=True, summaries=await store.count_summaries())
