"""The CLI contract: commands, --db, JSON shapes, one-line errors and nothing half-stored."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import _parser, main
from storage import open_store

SUMMARY = {
    "external_id": "feed/1",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "regions": ["Kyiv"],
    "weapons": [{"model": "Shahed-136/131", "launched": 539, "destroyed": 268, "suppressed": 208},
                {"model": "Kalibr", "launched": 11, "destroyed": 2}],
    "injured": 23,
}
STATS_KEYS = {"since", "until", "region", "summaries", "launched", "drones_launched", "missiles_launched",
              "destroyed", "suppressed", "neutralized", "neutralization_rate", "killed", "injured", "largest"}


def create_database(url: str) -> None:
    """An empty store at `url`, as `strikebot run` leaves one (read-only commands refuse a missing one)."""

    async def create() -> None:
        async with open_store(url):
            pass

    asyncio.run(create())


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STRIKEBOT_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    create_database(url)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ingest_file_then_latest_and_stats_json(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SUMMARY))
    code, out, _ = run(capsys, "ingest", str(path), "--db", db)
    assert code == 0 and "created id=1 revision=1" in out
    code, out, _ = run(capsys, "ingest", str(path), "--db", db)
    assert "unchanged" in out
    code, out, _ = run(capsys, "latest", "--json", "--db", db)
    (item,) = json.loads(out)
    assert (item["id"], item["revision"], item["status"], item["launched"], item["neutralized"]) == (1, 1, "active", 550, 478)
    assert item["regions"] == ["kyiv-city"] and item["weapons"][0]["category"] == "drone"
    code, out, _ = run(capsys, "stats", "--json", "--since", "2025-07-01", "--until", "2025-08-01", "--region", "Київ", "--db", db)
    stats = json.loads(out)
    assert set(stats) == STATS_KEYS
    assert (stats["summaries"], stats["launched"], stats["neutralized"], stats["region"]) == (1, 550, 478, "kyiv-city")
    assert stats["neutralization_rate"] == pytest.approx(0.869, abs=1e-3)
    assert stats["since"].startswith("2025-07-01T00:00:00+03:00") or stats["since"].startswith("2025-06-30T21:00:00")
    assert stats["largest"]["id"] == 1 and stats["largest"]["launched"] == 550


def test_stdin_array_and_human_output(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    second = dict(SUMMARY, external_id="feed/2", period_end="2025-07-05T06:00:00+03:00")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps([SUMMARY, second]).encode())))
    code, out, _ = run(capsys, "ingest", "-", "--db", db)
    assert code == 0 and out.count("created") == 2
    code, out, _ = run(capsys, "latest", "-n", "5", "--db", db)
    assert "1,234" not in out and "550" in out and out.splitlines()[0].split()[0] == "ID"
    assert out.splitlines()[1].split()[0] == "2"  # newest period_end first
    code, out, _ = run(capsys, "stats", "--db", db)
    assert "1,100" in out and "Summaries:" in out


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("{not json", "line 1"),
        (json.dumps(dict(SUMMARY, killed=-1)), "killed"),
        (json.dumps([SUMMARY, dict(SUMMARY, external_id="x", period_end="2025-07-01T00:00:00+03:00")]), "1.period_end"),
        (json.dumps(dict(SUMMARY, revision=3)), "revision"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(payload)
    code, out, err = run(capsys, "ingest", str(path), "--db", db)
    assert code != 0 and needle in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "latest", "--json", "--db", db)
    assert json.loads(out) == []


def test_bad_query_values(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "stats", "--since", "last tuesday", "--db", db)
    assert code == 1 and "--since" in err
    code, _, err = run(capsys, "latest", "--region", "Atlantis", "--db", db)
    assert code == 1 and "--region" in err
    code, _, err = run(capsys, "import-csv", "/nonexistent.csv", "--db", db)
    assert code == 1 and "no such file" in err


def test_database_url_from_environment_and_default(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SUMMARY))
    monkeypatch.setenv("STRIKEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert run(capsys, "ingest", str(path))[0] == 0
    assert (tmp_path / "env.db").exists()
    monkeypatch.delenv("STRIKEBOT_DATABASE_URL")
    assert run(capsys, "ingest", str(path))[0] == 0
    assert (tmp_path / "strikebot.db").exists()  # the default, in the working directory


def test_console_script_is_installed(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("strikebot")
    env = dict(os.environ, STRIKEBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    create_database(env["STRIKEBOT_DATABASE_URL"])
    done = subprocess.run([str(exe), "stats", "--json"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summaries"] == 0  # CLI commands other than run never seed


def test_unusable_database_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "latest", "--db", f"sqlite:///{blocker / 'x.db'}")
    assert code == 1 and "error:" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "stats", "--db", "mysql://localhost/x")
    assert code == 1 and "unsupported database URL" in err


def test_status_shows_subscriptions_and_the_queue(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from storage import open_store

    async def subscribe() -> None:
        async with open_store(db) as store:
            await store.subscribe("telegram", "1")
            await store.subscribe("discord", "2")

    asyncio.run(subscribe())
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SUMMARY))
    assert run(capsys, "ingest", str(path), "--db", db)[0] == 0
    code, out, _ = run(capsys, "status", "--json", "--db", db)
    status = json.loads(out)
    assert code == 0 and status["summaries"] == 1
    assert status["subscriptions"] == {"discord": 1, "telegram": 1}
    assert status["queue"]["pending"] == 2 and status["queue"]["dead"] == 0
    code, out, _ = run(capsys, "status", "--db", db)
    assert "2 active (discord 1, telegram 1)" in out and "2 pending" in out


def test_status_lists_followed_sources(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from storage.sources import SeenPost

    channel, feed = "https://t.me/s/kpszsu", "https://news.example.org/feed.xml"
    t0 = datetime(2026, 3, 1, 6, tzinfo=UTC)

    async def polled() -> None:
        async with open_store(db) as store:
            for url in (channel, feed):
                await store.lease_source(url, holder="p", now=t0, seconds=60)
                await store.source_succeeded(url, etag=None, last_modified=None, now=t0)
            await store.save_source_post(channel, SeenPost("kpszsu/7", "h", "000000000007", True), now=t0)
            await store.source_failed(feed, "HTTP 502", now=t0.replace(minute=5))

    asyncio.run(polled())
    code, out, _ = run(capsys, "status", "--db", db)
    assert code == 0
    assert f"  {channel}: ok, last success 2026-03-01 08:00, 1 posts seen" in out
    assert f"  {feed}: FAILING, last success 2026-03-01 08:00, last error 2026-03-01 08:05: HTTP 502, 0 posts seen" in out
    monkeypatch.setenv("STRIKEBOT_SOURCES", f"{feed} https://example.org/new.xml")
    code, out, _ = run(capsys, "status", "--json", "--db", db)
    sources = json.loads(out)["sources"]
    assert [(s["url"], s["status"]) for s in sources] == [(feed, "failing"), ("https://example.org/new.xml", "waiting")]
    assert sources[0]["last_error"] == "HTTP 502" and sources[0]["last_success"] == "2026-03-01T06:00:00+00:00"


@pytest.mark.parametrize("command", ["latest", "stats", "status"])
def test_read_only_commands_on_a_missing_database_create_nothing(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nonexist" / "dir" / "x.db"
    code, out, err = run(capsys, command, "--db", f"sqlite:///{missing}")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [err.strip()] and f"no database at {missing}" in err
    assert not (tmp_path / "nonexist").exists()
    # in another directory, without --db: the default ./strikebot.db is not created either
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("STRIKEBOT_DATABASE_URL", raising=False)
    code, out, err = run(capsys, command)
    assert code == 1 and "no database at strikebot.db" in err
    assert list(elsewhere.iterdir()) == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    name, number = capsys.readouterr().out.split()
    assert name == "strikebot" and number[0].isdigit()


def _options(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += [(f"{name} {label}", a) for label, a in _options(sub)]
        else:
            found.append((action.dest, action))
    return found


def test_every_cli_option_has_help_text() -> None:
    options = _options(_parser())
    assert len(options) > 15
    missing = [label for label, action in options if not action.help]
    assert missing == []


def test_stats_shows_other_launches_as_the_chat_does(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bombs = dict(SUMMARY, weapons=[*SUMMARY["weapons"], {"model": "GBU", "launched": 7}])  # type: ignore[list-item]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(bombs))
    assert run(capsys, "ingest", str(path), "--db", db)[0] == 0
    code, out, _ = run(capsys, "stats", "--db", db)
    assert code == 0
    assert "557  (drones 539, missiles 11, other 7)" in out
