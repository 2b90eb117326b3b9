"""Dataset import reads its file as a stream: memory does not grow with the file, and caps end hostile files."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.csv_import import CsvFormatError, ReadLimits, import_csv
from storage import open_store
from storage.protocol import Store
from tests.handlers.dataset import HEADER

ROW = "2023-05-16 03:00,2023-05-16 06:00,Shahed-136/131,,Kyiv,,2.0,1.0,,,,,2.0,,,,,,,,,r/posts/1\n"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(f"sqlite:///{tmp_path / 'c.db'}") as s:
        yield s


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
async def test_memory_does_not_follow_the_file_size(store: Store, tmp_path: Path, gz: bool) -> None:
    # 800 kB of rows of one report: what the import keeps is one summary, whatever the file's length
    data = (HEADER + ROW * (800_000 // len(ROW))).encode()
    path = tmp_path / ("big.csv.gz" if gz else "big.csv")
    path.write_bytes(gzip.compress(data, compresslevel=1) if gz else data)
    warm = tmp_path / "one.csv"
    warm.write_text(HEADER + ROW)
    await import_csv(store, warm)  # catalogs and caches load once per process: not what is measured
    tracemalloc.start()
    try:
        report = await import_csv(store, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.summaries == 1 and report.rows == data.count(b"\n") - 1
    assert peak < len(data) / 4, f"peak {peak:,} B while importing {len(data):,} B"


async def test_a_gzip_bomb_stops_at_the_decompressed_size_cap(store: Store, tmp_path: Path) -> None:
    # a small .gz that expands to megabytes of newlines after one real row
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress((HEADER + ROW + "\n" * 5_000_000).encode()))
    assert path.stat().st_size < 50_000
    with pytest.raises(CsvFormatError) as info:
        await import_csv(store, path, limits=ReadLimits(max_bytes=1_000_000))
    message = str(info.value)
    assert "\n" not in message
    assert "1,000,000 bytes" in message and "decompressed" in message
    assert "line " in message
    line = int(message.split("line ", 1)[1].split(":", 1)[0])
    assert 900_000 < line <= 1_000_001  # about where the cap was reached
    assert await store.count_summaries() == 0


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
async def test_a_line_over_the_line_length_cap_names_the_line(store: Store, tmp_path: Path, gz: bool) -> None:
    data = (HEADER + ROW + ROW.replace("r/posts/1", "r/posts/" + "x" * 5_000) + ROW).encode()
    path = tmp_path / ("long.csv.gz" if gz else "long.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(CsvFormatError) as info:
        await import_csv(store, path, limits=ReadLimits(max_line=4_096))
    message = str(info.value)
    assert "\n" not in message and "line 3" in message and "4,096 characters" in message
    assert await store.count_summaries() == 0
    # the default cap takes the same file
    assert (await import_csv(store, path)).rows == 3


async def test_a_line_without_end_is_cut_at_the_cap(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "noend.csv.gz"
    path.write_bytes(gzip.compress(HEADER.encode() + b"x" * 3_000_000))
    with pytest.raises(CsvFormatError, match=r"line 2: .*100,000 characters"):
        await import_csv(store, path, limits=ReadLimits(max_line=100_000))
