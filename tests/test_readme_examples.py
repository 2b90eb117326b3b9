"""The README's quick-start commands answer with data whatever today's date is.

They are typed into the console chat over a stored report years older than
the clock: the ones the reader is told to type must show data, and a window
that ends now, mentioned as such, must point to the latest report instead
of only saying that nothing was found.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.transports.console import ConsoleTransport
from handlers.context import HandlerDeps
from handlers.ingest import ingest_payload, ingest_summary
from handlers.seeding import load_seeds
from tests.bot.transports.telegram.support import open_test_store

ROOT = Path(__file__).parents[1]
SEED = json.loads((ROOT / "seeds" / "seed-night.json").read_text())
EMPTY = "No reports in this period"


def _quick_start() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def _commands(text: str) -> list[str]:
    return [code for code in re.findall(r"`([^`]+)`", text) if code.startswith("/")]


def _years_later() -> datetime:
    return datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


async def _answers(tmp_path: Path, commands: list[str]) -> dict[str, str]:
    answers = {}
    async with open_test_store(tmp_path) as store:
        await ingest_payload(store, SEED, notify=False)
        deps = HandlerDeps(store=store, timezone=ZoneInfo("Europe/Kyiv"), now=_years_later)
        for command in commands:
            out = io.StringIO()
            await ConsoleTransport(deps, stdin=io.StringIO(command + "\n"), stdout=out).run()
            answers[command] = out.getvalue()
    return answers


async def test_the_commands_to_type_show_data_years_later(tmp_path: Path) -> None:
    section = _quick_start()
    typed = _commands(section.split("Type ", 1)[1].split("watch the alert arrive", 1)[0])
    assert any(c.startswith("/stats") for c in typed) and any(c.startswith("/latest") for c in typed)
    answers = await _answers(tmp_path, typed)
    assert {c: EMPTY in a for c, a in answers.items()} == {c: False for c in typed}
    assert any("550" in answers[c] for c in typed if c.startswith("/stats"))


async def test_windows_that_end_now_point_to_the_latest_report(tmp_path: Path) -> None:
    section = _quick_start()
    windows = [c for c in _commands(section) if re.search(r"\b\d+[dh]\b", c)]
    for command in windows:
        assert command not in section.split("Type ", 1)[1].split("watch the alert arrive", 1)[0]
    answers = await _answers(tmp_path, windows)
    for command, answer in answers.items():
        if EMPTY in answer:
            assert "The latest report, #1, is from July 4, 2025." in answer, command
            assert "[1] /" in answer, command


async def test_the_api_example_creates_the_report_it_names_on_a_seeded_store(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    body = re.search(r"-d '(\{.*?\})'", readme, re.S)
    said = re.search(r'`201 \{"id":(\d+),"revision":1,"status":"created"\}`', readme)
    assert body is not None and said is not None
    async with open_test_store(tmp_path) as store:
        await load_seeds(store)
        outcome = await ingest_summary(store, json.loads(body.group(1)), notify=True)
    assert (outcome.status, outcome.id) == ("created", int(said.group(1)))
