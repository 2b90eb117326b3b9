"""Group checked dataset rows into summaries by `source` and store them as silent history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from handlers.csv_import.reader import ReadLimits, read_rows
from handlers.csv_import.rows import DatasetRow, RowError, check_row
from handlers.ingest import IngestError, parse_summary
from storage.catalog import gazetteer
from storage.models import IngestOutcome, SummaryDraft
from storage.protocol import Store

BATCH = 1_000
# A file of nothing but bad rows must not fill memory with their reasons: the
# first ones are kept by line number, the rest only counted.
MAX_LISTED = 10_000


@dataclass
class ImportReport:
    """What an import did, with skipped and suspicious rows by line number (the first MAX_LISTED of each)."""

    rows: int = 0
    summaries: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    skipped_total: int = 0
    warnings_total: int = 0

    def skip(self, line: int, reason: str) -> None:
        """Record a row left out."""
        self.skipped_total += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append((line, reason))

    def warn(self, line: int, reason: str) -> None:
        """Record a row taken with a leniency."""
        self.warnings_total += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append((line, reason))


@dataclass
class _Group:
    """The rows of one report so far."""

    line: int
    first: DatasetRow
    start: datetime
    end: datetime
    weapons: dict[str, list[int]] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    hits: int | None = None
    debris: int | None = None

    @classmethod
    def starting(cls, line: int, row: DatasetRow) -> _Group:
        """A report as its first row has it."""
        group = cls(line=line, first=row, start=row.start, end=row.end)
        group.add(row)
        return group

    def add(self, row: DatasetRow) -> None:
        """Fold in one more row: a model's counts add up, the widest period and the most sites win."""
        self.start, self.end = min(self.start, row.start), max(self.end, row.end)
        tally = self.weapons.setdefault(row.model, [0, 0, 0])
        tally[0] += row.launched
        tally[1] += row.destroyed
        tally[2] += row.suppressed
        self.regions += [r for r in row.regions if r not in self.regions]
        if row.hits is not None:
            self.hits = max(self.hits or 0, row.hits)
        if row.debris is not None:
            self.debris = max(self.debris or 0, row.debris)

    def payload(self) -> dict[str, Any]:
        """The report as ingest JSON: the contract then checks the whole (weapons, regions, sums)."""
        return {
            "external_id": self.first.source,
            "source": self.first.account,
            "source_url": self.first.url,
            "period_start": self.start,
            "period_end": self.end,
            "regions": sorted(self.regions),
            "weapons": [
                {"model": model, "launched": launched, "destroyed": destroyed, "suppressed": suppressed}
                for model, (launched, destroyed, suppressed) in self.weapons.items()
            ],
            "hit_locations": self.hits,
            "debris_locations": self.debris,
        }


def _last_lines(path: Path, limits: ReadLimits) -> dict[str, int]:
    """The line where each report's rows end (a first pass, which also meets any format error)."""
    last = {}
    for line, row in read_rows(path, limits):
        last[(row.get("source") or "").strip()] = line
    return last


def _finish(group: _Group, report: ImportReport) -> SummaryDraft | None:
    try:
        return parse_summary(group.payload(), live=False)
    except IngestError as exc:
        report.skip(group.line, f"report {group.first.source!r}: {exc}")
        return None


def read_reports(path: Path, report: ImportReport, limits: ReadLimits | None = None) -> Iterator[SummaryDraft]:
    """Each report of the file as a summary, as soon as its last row is read; bad rows are skipped into `report`.

    The file is read twice as a stream: first to find where each report ends
    (and to meet any CsvFormatError before a summary is given out), then to
    build the summaries. Memory holds the reports still open, not the file.
    """
    limits = limits or ReadLimits()
    last = _last_lines(path, limits)
    places = gazetteer()
    groups: dict[str, _Group] = {}
    for line, row in read_rows(path, limits):
        report.rows += 1
        source = (row.get("source") or "").strip()
        try:
            checked = check_row(row, places)
        except RowError as exc:
            report.skip(line, str(exc))
        else:
            for warning in checked.warnings:
                report.warn(line, warning)
            group = groups.get(source)
            if group is None:
                groups[source] = _Group.starting(line, checked)
            else:
                group.add(checked)
        if last.get(source, line) <= line and source in groups:
            draft = _finish(groups.pop(source), report)
            if draft is not None:
                yield draft
    for group in groups.values():  # only when the file grew between the passes
        draft = _finish(group, report)
        if draft is not None:
            yield draft


async def import_csv(store: Store, path: Path, *, limits: ReadLimits | None = None) -> ImportReport:
    """Import a dataset file silently (history never notifies); re-importing changes nothing.

    Reports are stored BATCH at a time as the file is read, each batch in one transaction.
    """
    report = ImportReport()
    batch: list[SummaryDraft] = []
    for draft in read_reports(path, report, limits):
        batch.append(draft)
        if len(batch) >= BATCH:
            await _store(store, batch, report)
            batch = []
    if batch:
        await _store(store, batch, report)
    return report


async def _store(store: Store, drafts: list[SummaryDraft], report: ImportReport) -> None:
    outcomes: list[IngestOutcome] = await store.ingest_many(drafts, notify=False, merge_history=True)
    report.summaries += len(outcomes)
    for outcome in outcomes:
        setattr(report, outcome.status, getattr(report, outcome.status) + 1)
