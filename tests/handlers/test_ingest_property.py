"""Property: any malformed summary is refused with errors that name the bad field, and nothing is stored."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from handlers.ingest import IngestError, ingest_payload, ingest_summary, parse_many, parse_summary
from storage.sqlite import SqliteStore
from tests.handlers.summaries import VALID, assert_names_field, malformed


@settings(max_examples=3000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_malformed_summary_is_rejected_naming_the_field(case: tuple[dict[str, Any], str]) -> None:
    payload, loc = case
    try:
        parse_summary(payload, live=True)
    except IngestError as exc:
        assert_names_field(exc.errors, loc)
    else:
        raise AssertionError(f"accepted: {payload!r}")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(malformed())
def test_malformed_item_in_a_batch_names_its_index(case: tuple[dict[str, Any], str]) -> None:
    payload, loc = case
    try:
        parse_many([copy.deepcopy(VALID), payload], live=True)
    except IngestError as exc:
        assert_names_field(exc.errors, f"1.{loc}")
    else:
        raise AssertionError("accepted")


def test_valid_payload_round_trips_and_malformed_ones_store_nothing(tmp_path: Path) -> None:
    """Against a real store: a sample of malformed payloads (single and batch) leaves it empty."""
    samples: list[tuple[dict[str, Any], str]] = []

    @settings(max_examples=200, derandomize=True, deadline=None, database=None)
    @given(malformed())
    def collect(case: tuple[dict[str, Any], str]) -> None:
        samples.append(case)

    collect()

    async def run() -> None:
        async with SqliteStore(str(tmp_path / "p.db")) as store:
            for payload, _ in samples:
                for attempt in (ingest_summary(store, payload, notify=True),
                                ingest_payload(store, [copy.deepcopy(VALID), payload], notify=True)):
                    try:
                        await attempt
                    except IngestError:
                        pass
                    else:
                        raise AssertionError(f"stored: {payload!r}")
            assert await store.count_summaries() == 0
            outcome = await ingest_summary(store, copy.deepcopy(VALID), notify=True)
            assert outcome.status == "created"

    asyncio.run(run())
