"""History (import-csv) goes through the ingest contract's bounds: a bad row is skipped with its line number, alike on every backend."""

from __future__ import annotations

from pathlib import Path

from handlers.csv_import import import_csv
from storage import Store

HEADER = (
    "time_start,time_end,model,launch_place,target,target_main,launched,destroyed,not_reach_goal,"
    "still_attacking,border_crossing,is_shahed,num_hit_location,num_fall_fragment_location,carrier,"
    "turbojet,turbojet_destroyed,affected region,destroyed_details,launched_details,"
    "launch_place_details,source\n"
)


def row(source: str, *, start: str = "2024-05-16 03:00", model: str = "Shahed-136/131", target: str = "Kyiv") -> str:
    return f"{start},2024-05-16 06:00,{model},,{target},,36,29,,,,,,,,,,,,,,{source}\n"


async def test_rows_outside_the_contract_are_skipped_with_their_line(store: Store, tmp_path: Path) -> None:
    body = (
        row("r/posts/good-1")  # line 2
        + row("r/posts/future", start="9999-05-16 03:00")  # line 3: a year past the contract's 2100
        + row("r/posts/nul", model="Shahed\x00136")  # line 4: a NUL byte
        + row("r/posts/" + "x" * 100_000)  # line 5: a source over the 500 characters of the contract
        + row("r/posts/atlantis", target="Atlantis")  # line 6: a place the gazetteer does not know
        + row("r/posts/nul-source\x00")  # line 7: a NUL in the source
        + row("r/posts/good-2", target="Odesa oblast")  # line 8
    )
    path = tmp_path / "d.csv"
    path.write_bytes((HEADER + body).encode())
    report = await import_csv(store, path)
    assert [line for line, _ in report.skipped] == [3, 4, 5, 6, 7]
    reasons = dict(report.skipped)
    assert "2100" in reasons[3] and "time_start" in reasons[3]
    assert "control characters" in reasons[4] and "model" in reasons[4]
    assert "500" in reasons[5] and "source" in reasons[5]
    assert "Atlantis" in reasons[6] and "target" in reasons[6]
    assert "control characters" in reasons[7] and "source" in reasons[7]
    assert (report.rows, report.summaries, report.created) == (7, 2, 2)
    stored = {s.external_id: s for s in await store.latest(10)}
    assert set(stored) == {"r/posts/good-1", "r/posts/good-2"}
    assert stored["r/posts/good-1"].regions == ("kyiv-city",)
    assert stored["r/posts/good-2"].regions == ("odesa",)


async def test_a_nul_byte_does_not_abort_a_large_import(store: Store, tmp_path: Path) -> None:
    # 100 good rows and one with a NUL: the 100 are imported on every backend
    body = "".join(row(f"r/posts/{i}") for i in range(50)) + row("r/posts/bad\x00") + "".join(
        row(f"r/posts/{i}") for i in range(50, 100)
    )
    path = tmp_path / "d.csv"
    path.write_bytes((HEADER + body).encode())
    report = await import_csv(store, path)
    assert [line for line, _ in report.skipped] == [52]
    assert await store.count_summaries() == 100
