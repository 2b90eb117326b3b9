"""Import the public strike dataset (CSV, one row per weapon model per report) as silent history."""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.catalog import Gazetteer, WeaponCatalog, gazetteer, weapon_catalog
from storage.models import IngestOutcome, SummaryDraft, WeaponTally
from storage.protocol import Store

KYIV = ZoneInfo("Europe/Kyiv")
REQUIRED_COLUMNS = ("time_start", "time_end", "model", "launched", "source")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$")
NATIONWIDE = {"ukraine", "україна"}
# the dataset names reports by the posting account; show who that is
ACCOUNTS = {
    "kpszsu": "Ukrainian Air Force",
    "pvkpivden": "Air Command South",
    "pvkshid": "Air Command East",
    "pvkzahid": "Air Command West",
    "pvkcentr": "Air Command Center",
    "generalstaff.ua": "General Staff of the Armed Forces of Ukraine",
}


class CsvFormatError(ValueError):
    """The file is not in the dataset format at all (missing columns, not CSV)."""


@dataclass
class ImportReport:
    """What an import did, with every skipped or suspicious row by line number."""

    rows: int = 0
    summaries: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Group:
    source: str
    start: datetime
    end: datetime
    weapons: dict[str, WeaponTally] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    hits: int | None = None
    debris: int | None = None


def parse_time(text: str) -> datetime:
    """`2023-05-16 3:30`, `2023-05-16 03:30` or `2023-05-16` in Kyiv local time."""
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError(f"unreadable time {text.strip()!r}")
    y, mo, d, h, mi = m.groups()
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), tzinfo=KYIV)


def parse_count(text: str) -> int | None:
    """`539`, `539.0` or blank (unknown → None); rejects negatives and fractions."""
    text = text.strip()
    if not text or text.lower() == "nan":
        return None
    value = float(text)
    # inf and 1e400 would make int() raise OverflowError, which is no ValueError
    if not math.isfinite(value) or value < 0 or value != int(value) or value > 100_000:
        raise ValueError(f"not a count: {text!r}")
    return int(value)


def quoted_names(literal: str) -> list[str]:
    """The quoted strings in a Python-style list literal (no eval; NaN and all)."""
    return [a or b for a, b in _QUOTED.findall(literal)]


def _place_names(text: str) -> Iterable[str]:
    for part in re.split(r"\s+and\s+", text.strip()):
        part = part.strip()
        if part:
            yield part


def _resolve_place(places: Gazetteer, name: str) -> str | None:
    found = places.resolve(name)
    if found is None and "," in name:
        # "Dnipropetrovsk oblast, Dnipro Raion": the oblast is enough for matching
        for piece in name.split(","):
            found = places.resolve(piece)
            if found is not None:
                break
    if found is None and name.lower().endswith(" oblas"):
        found = places.resolve(name + "t")
    return found


def read_rows(path: Path) -> tuple[list[dict[str, str]], list[int]]:
    """Rows and their line numbers from a CSV or CSV.gz file."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; EOFError when truncated
            raise CsvFormatError(f"{path}: not a readable gzip file ({exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvFormatError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit: the rest cannot be trusted
        # line_num still counts only the lines of complete records, so the bad one starts on the next
        raise CsvFormatError(f"{path}: line {reader.line_num + 1}: {exc}") from None
    return rows, lines


def build_drafts(
    rows: list[dict[str, str]],
    lines: list[int],
    report: ImportReport,
    *,
    places: Gazetteer | None = None,
    catalog: WeaponCatalog | None = None,
) -> list[SummaryDraft]:
    """Group rows by `source` into summaries, skipping and reporting bad rows."""
    places = places or gazetteer()
    catalog = catalog or weapon_catalog()
    groups: dict[str, _Group] = {}
    for row, line in zip(rows, lines, strict=True):
        report.rows += 1
        source = (row.get("source") or "").strip()
        model = (row.get("model") or "").strip()
        if not source:
            report.skipped.append((line, "no source"))
            continue
        if not model:
            report.skipped.append((line, "no model"))
            continue
        try:
            start = parse_time(row.get("time_start") or "")
            end = parse_time(row.get("time_end") or "")
            launched = parse_count(row.get("launched") or "")
            destroyed = parse_count(row.get("destroyed") or "")
            suppressed = parse_count(row.get("not_reach_goal") or "")
            hits = parse_count(row.get("num_hit_location") or "")
            debris = parse_count(row.get("num_fall_fragment_location") or "")
        except ValueError as exc:
            report.skipped.append((line, str(exc)))
            continue
        if end < start:
            report.warnings.append((line, "time_end before time_start: times swapped"))
            start, end = end, start
        if launched is None:
            report.warnings.append((line, f"{model}: launched unknown, counted as 0"))
        if destroyed is None and (row.get("destroyed") or "").strip() == "":
            report.warnings.append((line, f"{model}: destroyed unknown, counted as 0"))
        launched, destroyed, suppressed = launched or 0, destroyed or 0, suppressed or 0
        if destroyed + suppressed > launched:
            report.warnings.append(
                (line, f"{model}: destroyed + not_reach_goal ({destroyed + suppressed}) exceeds launched ({launched}); kept as reported")
            )
        group = groups.get(source)
        if group is None:
            group = groups[source] = _Group(source=source, start=start, end=end)
        group.start, group.end = min(group.start, start), max(group.end, end)
        prev = group.weapons.get(model)
        group.weapons[model] = WeaponTally(
            model=model,
            category=catalog.category(model),
            launched=launched + (prev.launched if prev else 0),
            destroyed=destroyed + (prev.destroyed if prev else 0),
            suppressed=suppressed + (prev.suppressed if prev else 0),
        )
        if hits is not None:
            group.hits = max(group.hits or 0, hits)
        if debris is not None:
            group.debris = max(group.debris or 0, debris)
        names = [*_place_names(row.get("target") or ""), *_place_names(row.get("target_main") or "")]
        names += quoted_names(row.get("affected region") or "")
        for name in names:
            if name.strip().lower() in NATIONWIDE:
                continue
            region = _resolve_place(places, name)
            if region is not None and region not in group.regions:
                group.regions.append(region)
    return [_draft(g) for g in groups.values()]


def _source_fields(source: str) -> tuple[str, str | None]:
    if source.startswith(("http://", "https://")):
        host = source.split("/")[2]
        parts = source.split("/")
        if host == "t.me" and len(parts) > 3:
            return ACCOUNTS.get(parts[3].lower(), parts[3]), source
        return host, source
    account = source.split("/", 1)[0]
    account = ACCOUNTS.get(account.lower(), account)
    url = f"https://www.facebook.com/{source}" if "/posts/" in source else None
    return account, url


def _draft(group: _Group) -> SummaryDraft:
    account, url = _source_fields(group.source)
    return SummaryDraft(
        external_id=group.source[:500],
        source=account[:500],
        source_url=url[:500] if url else None,
        period_start=group.start,
        period_end=group.end,
        regions=tuple(sorted(group.regions)),
        weapons=tuple(group.weapons.values()),
        hit_locations=group.hits,
        debris_locations=group.debris,
    )


async def import_csv(store: Store, path: Path) -> ImportReport:
    """Import a dataset file silently (history never notifies); re-importing changes nothing."""
    rows, lines = read_rows(path)
    report = ImportReport()
    drafts = build_drafts(rows, lines, report)
    outcomes: list[IngestOutcome] = await store.ingest_many(drafts, notify=False, merge_history=True)
    report.summaries = len(outcomes)
    for outcome in outcomes:
        setattr(report, outcome.status, getattr(report, outcome.status) + 1)
    return report
