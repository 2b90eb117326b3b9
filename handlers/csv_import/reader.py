"""Read a dataset file (CSV or CSV.gz) as a stream of rows, within caps on its size and line length."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

REQUIRED_COLUMNS = ("time_start", "time_end", "model", "launched", "source")
# The shipped dataset is under 1 MB of text and its longest line under 1,000
# characters; these leave room for years of growth and stop a file bomb early.
MAX_BYTES = 256 * 1024 * 1024
MAX_LINE = 256 * 1024


class CsvFormatError(ValueError):
    """The file is not in the dataset format at all (missing columns, not CSV, over a cap)."""


@dataclass(frozen=True)
class ReadLimits:
    """Caps on one import: bytes of text after decompression, and characters per line."""

    max_bytes: int = MAX_BYTES
    max_line: int = MAX_LINE


class _OverCap(Exception):
    """More bytes of text than the cap allows."""


class _CappedBytes(io.RawIOBase):
    """The bytes of a (decompressing) stream, refusing to go past `limit` of them."""

    def __init__(self, source: io.BufferedIOBase, limit: int) -> None:
        super().__init__()
        self._source = source
        self._limit = limit
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._source.read(len(view))
        self._seen += len(data)
        if self._seen > self._limit:
            raise _OverCap
        view[: len(data)] = data
        return len(data)


def _open_bytes(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


@dataclass
class _LineCounter:
    """Physical lines handed to the CSV parser so far (errors name the next one)."""

    lines: int = 0


def _lines(text: io.TextIOWrapper, limits: ReadLimits, path: Path, counter: _LineCounter) -> Iterator[str]:
    """Physical lines (ends kept, as csv wants them), each checked against the caps."""
    while True:
        where = f"{path}: line {counter.lines + 1}"
        try:
            # at most two characters past the cap: a line that fills them is too long, ends or not
            line = text.readline(limits.max_line + 2)
        except _OverCap:
            raise CsvFormatError(
                f"{where}: the file holds more than {limits.max_bytes:,} bytes of text "
                "(the cap on decompressed size)"
            ) from None
        except UnicodeDecodeError:
            raise CsvFormatError(f"{where}: not UTF-8 text") from None
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; EOFError when truncated
            raise CsvFormatError(f"{where}: not a readable gzip file ({exc or type(exc).__name__})") from None
        if not line:
            return
        if len(line.rstrip("\r\n")) > limits.max_line:
            raise CsvFormatError(f"{where}: longer than {limits.max_line:,} characters (the cap on line length)")
        counter.lines += 1
        yield line


def read_rows(path: Path, limits: ReadLimits | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of a CSV or CSV.gz file with the number of its (last) line, read as a stream."""
    limits = limits or ReadLimits()
    counter = _LineCounter()
    with _open_bytes(path) as raw:
        capped = io.BufferedReader(_CappedBytes(raw, limits.max_bytes))
        with io.TextIOWrapper(capped, encoding="utf-8-sig", newline="") as text:
            reader = csv.DictReader(_lines(text, limits, path, counter))
            try:
                fieldnames = reader.fieldnames or []
                missing = [c for c in REQUIRED_COLUMNS if c not in fieldnames]
                if missing:
                    raise CsvFormatError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
                for row in reader:
                    yield counter.lines, row
            except csv.Error as exc:  # e.g. a field over the csv module's size limit: the rest cannot be trusted
                # the bad record began after the last complete one
                raise CsvFormatError(f"{path}: line {reader.line_num + 1}: {exc}") from None
