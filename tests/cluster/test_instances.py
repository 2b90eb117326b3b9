"""Two `strikebot run` processes on one PostgreSQL database, against the Telegram and Discord fakes.

Leader election and hand-over after SIGKILL, the webhook's secret and
duplicate update ids, NOTIFY wake-up across instances, and the shared
Telegram rate. Each test takes seconds.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from bot.cluster.instances import leader_of
from bot.cluster.report import read_instances
from bot.transports.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from handlers.ingest import ingest_summary
from storage import open_store
from tests.cluster.processes import Instance, start_instance, wait_healthy
from tests.fakes.discord.api import BOT_TOKEN, FakeDiscord
from tests.fakes.telegram.api import FakeBotAPI
from tests.fakes.telegram.faults import Limits

SECRET = "webhook-secret_42"

SUMMARY: dict[str, Any] = {
    "external_id": "cluster/night-1",
    "source": "Ukrainian Air Force",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "weapons": [{"model": "Shahed-136/131", "launched": 120, "destroyed": 100, "suppressed": 10}],
}


async def _until(check: Callable[[], Any], timeout: float, what: str) -> float:
    start = time.monotonic()
    async with asyncio.timeout(timeout):
        while not await _value(check()):
            await asyncio.sleep(0.05)
    return time.monotonic() - start


async def _value(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


@pytest.fixture
async def instances() -> AsyncIterator[list[Instance]]:
    """Instances started by the test; stopped together at its end, the fakes answering meanwhile."""
    started: list[Instance] = []
    yield started
    await asyncio.gather(*(asyncio.to_thread(instance.stop) for instance in started))


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


def _telegram_settings(fake: FakeBotAPI, url: str, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "TELEGRAM_TOKEN": fake.token, "TELEGRAM_API_URL": fake.root, **extra}


async def _leader_pid(url: str) -> int | None:
    leader = leader_of(await read_instances(url))
    return leader.pid if leader is not None else None


async def test_one_leader_polls_and_keeps_the_gateway_and_the_other_takes_over_after_sigkill(
    pg_url: str, telegram: FakeBotAPI, instances: list[Instance], tmp_path: Path
) -> None:
    async with FakeDiscord() as discord:
        discord.add_guild(channels=("alerts",))
        settings = _telegram_settings(
            telegram, pg_url, DISCORD_TOKEN=BOT_TOKEN, DISCORD_API_URL=discord.api_url, ADMINS="telegram:4242"
        )
        for name in ("a", "b"):
            instances.append(start_instance(name, tmp_path, settings))
        await asyncio.gather(*(wait_healthy(i) for i in instances))
        await _until(lambda: _leader_pid(pg_url), 60, "a leader")
        await asyncio.sleep(1.5)
        assert discord.gateway.sessions == 1, "exactly one gateway connection"
        leader_pid = await _leader_pid(pg_url)
        [leader] = [i for i in instances if i.proc.pid == leader_pid]
        [follower] = [i for i in instances if i is not leader]
        assert telegram.calls("getUpdates")
        assert "telegram polling started" in leader.output()
        assert "telegram polling started" not in follower.output(), "the follower never polls"

        await _operators_see(leader, follower)

        leader.kill()
        took = await _until(lambda: _leader_pid_is(pg_url, follower.proc.pid), 12, "the hand-over")
        assert took < 10
        await _until(lambda: discord.gateway.sessions == 1, 30, "the new gateway session")
        admin = telegram.user("Admin", user_id=4242)
        chat = telegram.private_chat(admin)
        telegram.push_message(chat, admin, "/status")
        [reply] = await telegram.wait_sent(1, chat_id=chat)
        await asyncio.sleep(1.0)
        assert len(telegram.sent(chat)) == 1, "a command is answered once after the hand-over"
        survivor = await _instance_id(pg_url, follower.proc.pid)
        assert f"Leader</b>: {survivor}" in (reply.text or "") or f"Leader: {survivor}" in (reply.text or "")


async def _instance_id(url: str, pid: int) -> str:
    con = await asyncpg.connect(url)
    try:
        return str(await con.fetchval("SELECT id FROM instances WHERE pid = $1", pid))
    finally:
        await con.close()


async def _operators_see(leader: Instance, follower: Instance) -> None:
    """`strikebot status --json` and each /metrics name the leader and both instances."""
    status = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "status", "--json"], env=leader.env,
        capture_output=True, text=True, timeout=60, check=True,
    )
    report = json.loads(status.stdout)
    assert {i["role"] for i in report["instances"]} == {"leader", "follower"}
    [shown] = [i for i in report["instances"] if i["role"] == "leader"]
    assert shown["pid"] == leader.proc.pid and report["leader"] == shown["id"]
    text = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "status"], env=leader.env,
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert f"Leader:          {shown['id']}" in text.stdout
    async with aiohttp.ClientSession() as http:
        for instance, is_leader in ((leader, 1.0), (follower, 0.0)):
            async with http.get(f"{instance.api}/metrics") as response:
                metrics = await response.text()
            [line] = [m for m in metrics.splitlines() if m.startswith("strikebot_leader{")]
            assert float(line.rsplit(" ", 1)[1]) == is_leader
            assert "strikebot_instances_alive 2.0" in metrics


async def _leader_pid_is(url: str, pid: int) -> bool:
    return await _leader_pid(url) == pid


async def test_webhook_refuses_a_wrong_secret_and_answers_a_retried_update_once(
    pg_url: str, telegram: FakeBotAPI, instances: list[Instance], tmp_path: Path
) -> None:
    settings = _telegram_settings(
        telegram, pg_url, TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    for name in ("a", "b"):
        instances.append(start_instance(name, tmp_path, settings))
    await asyncio.gather(*(wait_healthy(i) for i in instances))
    assert len(telegram.calls("setWebhook")) == 2
    assert not telegram.calls("getUpdates"), "webhook mode never polls"
    alice = telegram.user("Alice")
    chat = telegram.private_chat(alice)
    telegram.push_message(chat, alice, "/help")
    update = telegram.updates[-1]
    async with aiohttp.ClientSession() as http:
        for instance in instances:
            async with http.post(f"{instance.api}{WEBHOOK_PATH}", json=update,
                                 headers={SECRET_HEADER: "not-the-secret"}) as response:
                assert response.status == 401
        await asyncio.sleep(1.0)
        assert telegram.sent(chat) == [], "a refused request handles nothing"
        # Telegram retries; the proxy may send each copy to another instance
        for instance in instances * 2:
            async with http.post(f"{instance.api}{WEBHOOK_PATH}", json=update,
                                 headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 200
    await telegram.wait_sent(1, chat_id=chat)
    await asyncio.sleep(1.0)
    assert len(telegram.sent(chat)) == 1


async def test_an_ingest_outside_the_instances_wakes_them_at_once(
    pg_url: str, telegram: FakeBotAPI, instances: list[Instance], tmp_path: Path
) -> None:
    # the dispatchers look at the outbox at start and then every 30 s: only the notification
    # brings them there within the second (bench/instances.py measures the latency under no load)
    settings = _telegram_settings(telegram, pg_url, DELIVERY_POLL_INTERVAL="30")
    for name in ("a", "b"):
        instances.append(start_instance(name, tmp_path, settings))
    async with open_store(pg_url) as store:
        await store.subscribe("telegram", "777001")
        await asyncio.gather(*(wait_healthy(i) for i in instances))
        await asyncio.sleep(1.5)  # past the dispatchers' first looks at the outbox
        await ingest_summary(store, SUMMARY, notify=True)
        # committed: from here only a notification can bring the instances to the outbox this soon
        stored = time.monotonic()
    await telegram.wait_sent(1, chat_id=777001, timeout=5)
    first = telegram.sent(777001)[0]
    # 200 ms on an idle machine; the bound leaves room for a loaded test machine
    assert first.mono - stored <= 0.5


async def test_two_instances_share_the_telegram_rate(
    pg_url: str, telegram: FakeBotAPI, instances: list[Instance], tmp_path: Path
) -> None:
    telegram.enforce_limits(Limits(private_per_second=None, group_per_minute=None, global_per_second=30))
    chats = 120
    # few rows in flight per instance, so that both take part in the one fan-out
    settings = _telegram_settings(telegram, pg_url, TELEGRAM_RATE="30", DELIVERY_CONCURRENCY="8")
    async with open_store(pg_url) as store:
        for i in range(chats):
            await store.subscribe("telegram", str(500_000 + i))
        for name in ("a", "b"):
            instances.append(start_instance(name, tmp_path, settings))
        await asyncio.gather(*(wait_healthy(i) for i in instances))
        await ingest_summary(store, SUMMARY, notify=True)
    await _until(lambda: len(telegram.sent()) >= chats, 60, "every chat")
    await asyncio.sleep(0.5)
    assert sorted(int(str(c.chat_id)) for c in telegram.sent()) == list(range(500_000, 500_000 + chats)), (
        "with no kill every chat gets the alert exactly once"
    )
    stats = telegram.stats()
    assert stats["total_429"] == 0
    stamps = sorted(call.mono for call in telegram.sent())
    busiest = max(sum(1 for s in stamps[i:] if s < stamp + 1.0) for i, stamp in enumerate(stamps))
    assert busiest <= 30
    # and both instances sent: the budget was shared, not used by one of them alone
    async with aiohttp.ClientSession() as http:
        for instance in instances:
            async with http.get(f"{instance.api}/metrics") as response:
                text = await response.text()
            sent = sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("strikebot_deliveries_total{") and 'outcome="sent"' in line
            )
            assert sent > 0, f"{instance.name} sent nothing"


async def test_sigkill_mid_fan_out_loses_no_chat(
    pg_url: str, telegram: FakeBotAPI, instances: list[Instance], tmp_path: Path
) -> None:
    chats = 2000
    # short leases, so that the rows the killed instance held come back within the test
    settings = _telegram_settings(telegram, pg_url, TELEGRAM_RATE="0", DELIVERY_LEASE_SECONDS="3")
    async with open_store(pg_url) as store:
        for name in ("a", "b"):
            instances.append(start_instance(name, tmp_path, settings))
        await asyncio.gather(*(wait_healthy(i) for i in instances))
        con = await asyncpg.connect(pg_url)
        try:
            await con.execute(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, min_launched, created_at, "
                "updated_at) SELECT 'telegram', (600000 + g)::text, '', 'en', 0, now(), now() "
                "FROM generate_series(0, $1 - 1) g",
                chats,
            )
        finally:
            await con.close()
        await ingest_summary(store, SUMMARY, notify=True)
    await _until(lambda: len(telegram.sent()) >= chats // 4, 120, "a quarter of the fan-out")
    instances[0].kill()
    await _until(lambda: len({c.chat_id for c in telegram.sent()}) >= chats, 120, "every chat")
    await asyncio.sleep(1.0)
    per_chat: dict[Any, int] = {}
    for call in telegram.sent():
        per_chat[call.chat_id] = per_chat.get(call.chat_id, 0) + 1
    assert len(per_chat) == chats
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= 64, "no more duplicates than sends in flight (DELIVERY_CONCURRENCY)"
