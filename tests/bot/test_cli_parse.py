"""`strikebot parse` (docs/design.md "Report parsing"): one ingest JSON object out, warnings on stderr, and the pipe into ingest."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main

TEXTS = Path(__file__).parents[1] / "handlers" / "parser" / "texts"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STRIKEBOT_DATABASE_URL", raising=False)
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def stdin(monkeypatch: pytest.MonkeyPatch, data: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))


def parse_then_ingest(
    name: str, published: str, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    code, out, err = run(capsys, "parse", str(TEXTS / name), "--published", published)
    assert code == 0, err
    assert len(out.splitlines()) == 1
    stdin(monkeypatch, out)
    code, out, err = run(capsys, "ingest", "-", "--db", db)
    assert code == 0 and out.startswith("created id=1"), err
    code, out, _ = run(capsys, "latest", "--json", "--db", db)
    (item,) = json.loads(out)
    return dict(item)


def figures(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item["launched"],
        item["drones_launched"],
        item["missiles_launched"],
        item["destroyed"],
        item["suppressed"],
        item["neutralized"],
        item["hit_locations"],
        item["debris_locations"],
        item["killed"],
        item["injured"],
    )


def test_air_force_post_into_the_store(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    item = parse_then_ingest("uk_post_bullets.txt", "2025-09-12T09:00", db, capsys, monkeypatch)
    # 197 drones; 8 + 4 + 1 missiles and 5 Banderol, which the catalog counts as missiles; no split invented
    assert figures(item) == (215, 197, 18, 0, 0, 199, 9, 4, 3, 14)
    # stored in UTC: 18:00 and 08:30 Kyiv summer time
    assert (item["period_start"], item["period_end"]) == ("2025-09-11T15:00:00Z", "2025-09-12T05:30:00Z")
    assert item["regions"] == ["kyiv", "sumy", "zhytomyr"]
    by_model = {w["model"]: w for w in item["weapons"]}
    assert by_model["Shahed-136/131 and Gerbera"]["category"] == "drone"
    assert by_model["Banderol"]["neutralized_unsplit"] == 5


def test_english_press_into_the_store(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    item = parse_then_ingest("en_press_split.txt", "2025-07-04T10:00", db, capsys, monkeypatch)
    assert figures(item) == (741, 728, 13, 303, 415, 718, 8, 33, 2, 15)
    assert (item["period_start"], item["period_end"]) == ("2025-07-03T15:00:00Z", "2025-07-04T07:00:00Z")
    assert item["regions"] == ["kyiv-city"] and item["source"] == "Ukrainian Air Force"


def test_ukrainian_press_into_the_store(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    item = parse_then_ingest("uk_press.txt", "2025-08-05T11:00", db, capsys, monkeypatch)
    assert figures(item) == (512, 500, 12, 0, 0, 470, 7, None, 2, 11)
    assert (item["period_start"], item["period_end"]) == ("2025-08-04T15:00:00Z", "2025-08-05T08:00:00Z")
    _code, out, _ = run(capsys, "stats", "--json", "--db", db)
    stats = json.loads(out)
    assert (stats["launched"], stats["neutralized"], stats["destroyed"], stats["suppressed"]) == (512, 470, 0, 0)


def test_a_total_given_only_as_a_total_stays_a_total(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, "Russia launched 539 drones and 11 missiles overnight. Air defense intercepted 478 Russian air weapons.")
    code, out, _err = run(capsys, "parse", "-", "--published", "2025-07-04T10:00:00+03:00")
    assert code == 0 and json.loads(out)["neutralized_unsplit"] == 478
    stdin(monkeypatch, out)
    assert run(capsys, "ingest", "-", "--db", db)[0] == 0
    (item,) = json.loads(run(capsys, "latest", "--json", "--db", db)[1])
    assert (item["neutralized"], item["destroyed"], item["suppressed"], item["neutralization_rate"]) == (478, 0, 0, pytest.approx(478 / 550, abs=1e-6))


def test_warnings_go_to_stderr_one_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "parse", str(TEXTS / "uk_post_dirt.txt"), "--published", "2025-10-21T08:30")
    assert code == 0
    draft = json.loads(out)
    assert draft["weapons"] == [{"model": "Shahed-136/131 and Gerbera", "launched": 181, "neutralized_unsplit": 179}]
    assert err.splitlines() == ["warning: the headline says 180 drones neutralized, the text 179; kept 179"]


def test_without_times_the_period_is_the_night_before_publication(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, "Russia launched 40 drones; 35 were shot down.")
    _code, out, err = run(capsys, "parse", "-", "--published", "2026-01-01T10:30")
    draft = json.loads(out)
    assert (draft["period_start"], draft["period_end"]) == ("2025-12-31T18:00:00+02:00", "2026-01-01T10:30:00+02:00")
    assert "names no period" in err


@pytest.mark.parametrize(
    ("args", "data", "needle"),
    [
        (("parse", "-"), "Тримаймо небо!", "no launched or neutralized figures"),
        (("parse", "-"), "", "empty"),
        (("parse", "missing.txt"), "", "missing.txt"),
        (("parse", "-", "--published", "yesterday"), "Russia launched 5 drones.", "--published"),
    ],
)
def test_no_report_and_bad_input_exit_1_with_one_line(
    args: tuple[str, ...], data: str, needle: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    stdin(monkeypatch, data)
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err and err.startswith("strikebot parse: error:")


def test_not_utf8_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "post.txt"
    path.write_bytes("збито 5 БпЛА".encode("cp1251"))
    code, _, err = run(capsys, "parse", str(path))
    assert code == 1 and "not UTF-8" in err


def test_the_console_scripts_pipe(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("strikebot")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIKEBOT_")}
    db = f"sqlite:///{tmp_path / 'pipe.db'}"
    parse = subprocess.Popen(
        [str(exe), "parse", str(TEXTS / "uk_post_prose.txt"), "--published", "2025-07-03T09:00"],
        stdout=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    ingest = subprocess.run([str(exe), "ingest", "-", "--db", db], stdin=parse.stdout, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert parse.stdout is not None
    parse.stdout.close()
    assert parse.wait(timeout=60) == 0
    assert ingest.returncode == 0 and "created id=1" in ingest.stdout, ingest.stderr
    latest = subprocess.run([str(exe), "latest", "--json", "--db", db], capture_output=True, text=True, env=env, cwd=tmp_path)
    (item,) = json.loads(latest.stdout)
    assert (item["launched"], item["drones_launched"], item["missiles_launched"], item["neutralized"]) == (139, 137, 2, 129)
    assert (item["hit_locations"], item["debris_locations"], item["regions"]) == (6, 11, ["kyiv", "odesa"])
