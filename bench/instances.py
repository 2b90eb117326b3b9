"""Several `strikebot run` instances on one PostgreSQL database (issue 14), against the fake Bot API in a process of its own.

Scenarios, each on a fresh schema of the machine's PostgreSQL:

- fan-out of one alert to CHATS private chats with the overall limit off
  (TELEGRAM_RATE=0), by 1 and by 2 instances: messages/s of each, and the ratio;
- the same at TELEGRAM_RATE=30 against a fake that answers 429 past 30/s for the
  whole bot: achieved rate over the first RATE_WINDOW seconds and the 429s;
- ingest -> first message when the ingest (POST /v1/summaries) lands on the
  follower: median of a few ingests;
- leader hand-over: SIGKILL of the leader -> the other instance holds the lock.

    .venv/bin/python bench/instances.py [--chats 10000] [--window 20] [--only off,capped,latency,handover]

Needs PostgreSQL at STRIKEBOT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp
import asyncpg

from bench.contenders import SUMMARY
from bench.fake_bot_api import TOKEN, FakeServer
from bench.fanout import line
from bot.cluster.instances import leader_of
from bot.cluster.report import read_instances
from storage import open_store
from tests.cluster.processes import API_TOKEN, Instance, start_instance, wait_healthy

PG_URL = os.environ.get("STRIKEBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FIRST_CHAT = 200_000_000


class Schema:
    """A fresh, migrated schema with `chats` subscribed private chats; dropped at the end."""

    def __init__(self, chats: int) -> None:
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        sep = "&" if "?" in PG_URL else "?"
        self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.name}"
        self.chats = chats

    async def __aenter__(self) -> Schema:
        admin = await asyncpg.connect(PG_URL)
        try:
            await admin.execute(f'CREATE SCHEMA "{self.name}"')
        finally:
            await admin.close()
        async with open_store(self.url):
            pass
        con = await asyncpg.connect(self.url)
        try:
            await con.execute(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, min_launched, created_at, updated_at) "
                "SELECT 'telegram', ($1 + g)::text, '', 'en', 0, now(), now() FROM generate_series(0, $2 - 1) g",
                FIRST_CHAT,
                self.chats,
            )
        finally:
            await con.close()
        return self

    async def __aexit__(self, *exc: object) -> None:
        admin = await asyncpg.connect(PG_URL)
        try:
            await admin.execute(f'DROP SCHEMA "{self.name}" CASCADE')
        finally:
            await admin.close()


async def _leader_pid(url: str) -> int | None:
    leader = leader_of(await read_instances(url))
    return leader.pid if leader is not None else None


async def _start(count: int, schema: Schema, fake: FakeServer, workdir: Path, rate: float) -> list[Instance]:
    settings = {
        "DATABASE_URL": schema.url,
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.root,
        "TELEGRAM_RATE": str(rate),
        "LOG_LEVEL": "WARNING",
    }
    instances = [start_instance(f"i{n}-{uuid.uuid4().hex[:4]}", workdir, settings) for n in range(count)]
    await asyncio.gather(*(wait_healthy(i, timeout=60) for i in instances))
    async with asyncio.timeout(15):
        while await _leader_pid(schema.url) is None:
            await asyncio.sleep(0.1)
    return instances


async def _stop(instances: list[Instance]) -> None:
    await asyncio.gather(*(asyncio.to_thread(i.stop) for i in instances))


def _follower(instances: list[Instance], leader_pid: int | None) -> Instance:
    return next((i for i in instances if i.proc.pid != leader_pid), instances[0])


async def _ingest(http: aiohttp.ClientSession, instance: Instance, external_id: str) -> None:
    body = dict(SUMMARY, external_id=external_id)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with http.post(f"{instance.api}/v1/summaries", json=body, headers=headers) as response:
        if response.status not in (200, 201):
            raise SystemExit(f"ingest failed: {response.status} {await response.text()}")


async def fan_out(count: int, chats: int, rate: float, window: float, workdir: Path) -> dict[str, float]:
    """One alert to every chat through `count` instances; ingested on a follower."""
    fake_args = ("--no-store", "--no-record") + (("--enforce-limits", "--global-rate", str(int(rate))) if rate else ())
    with FakeServer(*fake_args) as fake:
        async with Schema(chats) as schema:
            instances = await _start(count, schema, fake, workdir, rate)
            try:
                fake.reset()
                follower = _follower(instances, await _leader_pid(schema.url))
                async with aiohttp.ClientSession() as http:
                    started = time.monotonic()
                    await _ingest(http, follower, f"bench/fanout-{uuid.uuid4().hex[:6]}")
                deadline = started + (window if rate else 600.0)
                stats = fake.stats()
                while stats["send_message"] < chats and time.monotonic() < deadline:
                    await asyncio.sleep(0.25)
                    stats = fake.stats()
            finally:
                await _stop(instances)
    sent = stats["send_message"]
    span = stats["send_message_span_s"] or 1e-9
    return {"sent": sent, "rate": (sent - 1) / span, "total_429": stats["total_429"]}


async def first_message_latency(tries: int, workdir: Path) -> list[float]:
    """Ingest on the follower of two instances -> the fake's first sendMessage, in ms."""
    latencies = []
    with FakeServer("--no-store") as fake:
        async with Schema(1) as schema:
            instances = await _start(2, schema, fake, workdir, 30.0)
            try:
                follower = _follower(instances, await _leader_pid(schema.url))
                async with aiohttp.ClientSession() as http:
                    for n in range(tries):
                        await asyncio.sleep(1.5)  # idle dispatchers: nothing polled just now by chance
                        fake.reset()
                        started = time.monotonic()
                        await _ingest(http, follower, f"bench/latency-{n}-{uuid.uuid4().hex[:6]}")
                        while (first := fake.stats()["first_send_message_mono"]) is None:
                            await asyncio.sleep(0.005)
                        latencies.append((first - started) * 1000)
            finally:
                await _stop(instances)
    return latencies


async def hand_over(tries: int, workdir: Path) -> list[float]:
    """SIGKILL of the leader -> the other instance holds the leader lock, in seconds."""
    took = []
    with FakeServer("--no-store") as fake:
        for _ in range(tries):
            async with Schema(1) as schema:
                instances = await _start(2, schema, fake, workdir, 30.0)
                try:
                    leader_pid = await _leader_pid(schema.url)
                    [leader] = [i for i in instances if i.proc.pid == leader_pid]
                    [other] = [i for i in instances if i is not leader]
                    await asyncio.sleep(2.5)  # a few heartbeats: the steady state
                    started = time.monotonic()
                    leader.kill()
                    while await _leader_pid_now(schema.url, other.proc.pid) is False:
                        await asyncio.sleep(0.02)
                    took.append(time.monotonic() - started)
                finally:
                    await _stop(instances)
    return took


async def _leader_pid_now(url: str, pid: int) -> bool:
    # the lock itself, not the instances table (which is written every 2 s)
    con = await asyncpg.connect(url)
    try:
        holder = await con.fetchval(
            "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = hashtext(current_schema())::oid "
            "AND l.classid = hashtext('strikebot-leader')::oid"
        )
        if holder is None:
            return False
        row = await con.fetchrow("SELECT pid FROM instances WHERE role = 'leader' ORDER BY last_seen DESC LIMIT 1")
        return row is not None and row["pid"] == pid
    finally:
        await con.close()


async def main_async(args: argparse.Namespace) -> None:
    try:
        con = await asyncpg.connect(PG_URL, timeout=3)
        await con.close()
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"instances bench skipped: no PostgreSQL at {PG_URL}: {exc}")
        return
    print(f"several instances on one PostgreSQL ({args.chats:,} chats)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        parts = set(args.only.split(","))
        if "off" in parts:
            one = await fan_out(1, args.chats, 0.0, 0.0, workdir)
            two = await fan_out(2, args.chats, 0.0, 0.0, workdir)
            line("limit off, 1 instance", one["rate"], "msg/s", f"({one['sent']:,.0f} sent)")
            line("limit off, 2 instances", two["rate"], "msg/s", f"({two['sent']:,.0f} sent)")
            line("  ratio 2/1", two["rate"] / max(1e-9, one["rate"]), "x")
        if "capped" in parts:
            for count in (1, 2):
                capped = await fan_out(count, args.chats, 30.0, args.window, workdir)
                line(f"TELEGRAM_RATE=30, {count} instance(s)", capped["rate"], "msg/s",
                     f"429s: {capped['total_429']:.0f} (first {args.window:.0f} s)")
        if "latency" in parts:
            latencies = await first_message_latency(5, workdir)
            line("ingest on follower -> first message", statistics.median(latencies), "ms",
                 f"(median of {len(latencies)}; max {max(latencies):.0f} ms; target <= 200 ms)")
        if "handover" in parts:
            took = await hand_over(3, workdir)
            line("leader hand-over after SIGKILL", statistics.median(took), "s",
                 f"(median of {len(took)}; max {max(took):.2f} s; target <= 10 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured at TELEGRAM_RATE=30")
    parser.add_argument("--only", default="off,capped,latency,handover", help="comma-separated parts to run")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
