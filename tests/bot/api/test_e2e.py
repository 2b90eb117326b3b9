"""End to end: POST a summary to the running bot's API → alert sent through the fake Bot API,
a correction edits it, a retraction edits it again."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.app import running
from bot.settings import Settings
from tests.bot.api.harness import AUTH, TOKEN, summary
from tests.fakes.telegram.api import FakeBotAPI


@pytest.fixture
def settings(fake_telegram: FakeBotAPI, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'e2e.db'}",
        telegram_token=fake_telegram.token,
        telegram_api_url=fake_telegram.root,
        api_host="127.0.0.1",
        api_port=0,
        api_token=TOKEN,
        seed="none",
    )


async def test_posted_summary_reaches_a_subscribed_chat_and_corrections_edit_it(
    fake_telegram: FakeBotAPI, settings: Settings
) -> None:
    fake = fake_telegram
    group = fake.group("Alerts")
    async with running(settings) as (runtime, _tasks), aiohttp.ClientSession() as http:
        assert runtime.api_port
        base = f"http://127.0.0.1:{runtime.api_port}"
        await runtime.store.subscribe("telegram", str(group.id))

        assert (await http.get(f"{base}/healthz")).status == 200
        resp = await http.post(f"{base}/v1/summaries", json=summary(), headers=AUTH)
        assert resp.status == 201
        summary_id = (await resp.json())["id"]

        [alert] = await fake.wait_sent(1, chat_id=group, timeout=10)
        assert "550" in (alert.text or "")

        resp = await http.post(f"{base}/v1/summaries", json=summary(injured=31), headers=AUTH)
        assert (await resp.json())["status"] == "revised"
        [edit] = await fake.wait_edits(1, chat_id=group, timeout=10)
        assert "31" in (edit.text or "")

        resp = await http.post(f"{base}/v1/summaries/{summary_id}/retract", headers=AUTH)
        assert resp.status == 200
        edits = await fake.wait_edits(2, chat_id=group, timeout=10)
        assert edits[-1].text != edit.text
        # one alert only: corrections and the retraction edited it in place
        assert len(fake.sent(group)) == 1

        metrics = await (await http.get(f"{base}/metrics")).text()
        assert 'strikebot_summaries_ingested_total{outcome="created",source="api"} 1.0' in metrics
        assert 'strikebot_subscriptions_active{platform="telegram"} 1.0' in metrics
        # the dispatcher reports what it did: one send and two edits, all succeeded
        assert 'strikebot_deliveries_total{outcome="sent",platform="telegram"} 3.0' in metrics
        assert 'strikebot_send_latency_seconds_count{platform="telegram"} 3.0' in metrics
