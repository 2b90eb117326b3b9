"""strikebot_summaries_ingested_total counts every way a report comes in, with its outcome.

A running bot (console chat plus HTTP API) takes reports from a bot admin's
/post, /correct and /retract and from feeds over HTTP, refused ones
included; `strikebot ingest` runs in a process of its own and shows in the
store-read strikebot_summaries_stored.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path

import aiohttp

from bot.app import running
from bot.cli import main as cli
from bot.settings import Settings
from tests.bot.api.harness import AUTH, TOKEN, summary


def _value(metrics: str, name: str, **labels: str) -> float:
    """One sample's value from the Prometheus text, labels in any order."""
    for line in metrics.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if found == labels:
            return float(match.group(2))
    raise AssertionError(f"no sample {name}{labels} in:\n{metrics}")


async def test_every_ingest_path_counts_with_its_outcome(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'metrics.db'}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db,
        api_host="127.0.0.1",
        api_port=0,
        api_token=TOKEN,
        seed="none",
    )
    typed = (
        "/post drones=120 missiles=4 regions=Kyiv\n1\n"  # created
        "/correct 1 injured=3\n"  # revised
        "/correct 1 injured=3\n"  # unchanged
        "/post drones=many\n"  # rejected: not a number
        "/correct 1 destroyed=500\n"  # rejected: more neutralized than launched
        "/retract 1\n"  # retracted
    )
    out = io.StringIO()
    async with running(settings, stdin=io.StringIO(typed), stdout=out) as (runtime, _), aiohttp.ClientSession() as http:
        assert runtime.console_input is not None
        await asyncio.wait_for(runtime.console_input, 30)
        base = f"http://127.0.0.1:{runtime.api_port}"
        posted = await http.post(f"{base}/v1/summaries", json=summary(), headers=AUTH)
        assert posted.status == 201
        not_json = await http.post(
            f"{base}/v1/summaries", data=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
        )
        assert not_json.status == 400
        invalid = await http.post(f"{base}/v1/summaries", json=summary(killed=-1), headers=AUTH)
        assert invalid.status == 422
        withdrawn = await http.post(f"{base}/v1/summaries/{(await posted.json())['id']}/retract", headers=AUTH)
        assert withdrawn.status == 200
        unknown = await http.post(f"{base}/v1/summaries/999/retract", headers=AUTH)
        assert unknown.status == 404
        # the CLI writes the same store from a process of its own
        feed = tmp_path / "feed.json"
        feed.write_text(json.dumps(summary(external_id="cron/1", period_end="2025-07-05T06:00:00+03:00")))
        assert await asyncio.to_thread(cli, ["ingest", str(feed), "--db", db]) == 0
        metrics = await (await http.get(f"{base}/metrics")).text()
    printed = out.getvalue()
    assert "Posted as report #1" in printed and "revision 2" in printed and "withdrawn" in printed
    chat = {
        outcome: _value(metrics, "strikebot_summaries_ingested_total", source="chat", outcome=outcome)
        for outcome in ("created", "revised", "unchanged", "rejected", "retracted")
    }
    assert chat == {"created": 1, "revised": 1, "unchanged": 1, "rejected": 2, "retracted": 1}
    api = {
        outcome: _value(metrics, "strikebot_summaries_ingested_total", source="api", outcome=outcome)
        for outcome in ("created", "revised", "unchanged", "rejected", "retracted")
    }
    assert api == {"created": 1, "revised": 0, "unchanged": 0, "rejected": 3, "retracted": 1}
    assert _value(metrics, "strikebot_summaries_stored") == 3
