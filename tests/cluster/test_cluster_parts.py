"""The cluster's parts on the machine's PostgreSQL: leader lock, update claims, NOTIFY wake-up, shared rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.cluster.leader import LeaderLock
from bot.cluster.node import Cluster
from bot.cluster.notify import OutboxListener
from bot.cluster.single_instance import AlreadyRunning, sqlite_run_lock
from bot.cluster.updates_seen import MemoryLedger, SharedLedger
from storage.coordination import open_coordination


async def _until(check: Callable[[], bool], timeout: float) -> float:
    """Seconds it took `check` to hold; fails after `timeout`."""
    start = time.monotonic()
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)
    return time.monotonic() - start


def _recorder(into: list[bool]) -> Callable[[bool], Awaitable[None]]:
    async def changed(leader: bool) -> None:
        into.append(leader)

    return changed


async def test_one_leader_and_takeover_when_its_session_dies(pg_url: str) -> None:
    first_roles: list[bool] = []
    second_roles: list[bool] = []
    first = LeaderLock(open_coordination(pg_url), _recorder(first_roles), heartbeat=0.5, retry=0.2)
    first_task = asyncio.create_task(first.run())
    await _until(lambda: first.is_leader, 5)
    second = LeaderLock(open_coordination(pg_url), _recorder(second_roles), heartbeat=0.5, retry=0.2)
    second_task = asyncio.create_task(second.run())
    try:
        await asyncio.sleep(1.0)
        assert first.is_leader and not second.is_leader
        # the leader's session ends on the server's side (a lost connection)
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND objid = hashtext(current_schema())::oid"
            )
        finally:
            await admin.close()
        took = await _until(lambda: second.is_leader, 10)
        assert took < 10
        await asyncio.sleep(1.0)
        assert not first.is_leader, "the old leader must step down while the other leads"
        assert first_roles[:2] == [True, False]
    finally:
        for task in (first_task, second_task):
            task.cancel()
        await asyncio.gather(first_task, second_task, return_exceptions=True)


async def test_an_update_id_is_claimed_once_across_instances(pg_url: str) -> None:
    stores = [open_coordination(pg_url) for _ in range(2)]
    for store in stores:
        await store.open()
    try:
        ledgers = [SharedLedger(store) for store in stores]
        claims = await asyncio.gather(*(ledger.claim("telegram", 77) for ledger in ledgers * 3))
        assert sum(claims) == 1
        assert await ledgers[1].claim("telegram", 78)
        assert await ledgers[0].claim("discord", 77), "ids of different platforms do not collide"
    finally:
        for store in stores:
            await store.close()


async def test_memory_ledger_drops_copies() -> None:
    ledger = MemoryLedger(size=2)
    assert await ledger.claim("telegram", 1)
    assert not await ledger.claim("telegram", 1)


async def test_an_outbox_insert_wakes_every_listener(pg_url: str) -> None:
    woken = [asyncio.Event(), asyncio.Event()]
    listeners = [OutboxListener(open_coordination(pg_url), event.set) for event in woken]
    tasks = [asyncio.create_task(listener.run()) for listener in listeners]
    try:
        for listener in listeners:
            await asyncio.wait_for(listener.listening.wait(), 5)
        for event in woken:
            event.clear()
        con = await asyncpg.connect(pg_url)
        try:
            sub = await con.fetchval(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, min_launched, created_at, "
                "updated_at) VALUES ('telegram', '1', '', 'en', 0, now(), now()) RETURNING id"
            )
            started = time.monotonic()
            await con.execute(
                "INSERT INTO broadcasts (text, created_at) VALUES ('hi', now()); "
                f"INSERT INTO deliveries (broadcast_id, subscription_id, action, next_attempt_at, created_at, "
                f"updated_at) VALUES (1, {sub}, 'send', now(), now(), now())"
            )
        finally:
            await con.close()
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in woken)), 2)
        assert time.monotonic() - started < 0.2
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_two_limiters_share_one_rate(pg_url: str) -> None:
    clusters = [Cluster(pg_url, lambda: None) for _ in range(2)]
    for cluster in clusters:
        await cluster.__aenter__()
    try:
        limiters = [cluster.rate_limiter("telegram", 30) for cluster in clusters]
        stamps: list[float] = []

        async def send(limiter: object, count: int) -> None:
            for _ in range(count):
                await limiter.acquire()  # type: ignore[attr-defined]
                stamps.append(time.monotonic())

        await asyncio.gather(*(send(limiter, 45) for limiter in limiters))
        stamps.sort()
        # never more than 30 in any one second, and together close to the whole budget
        for i, stamp in enumerate(stamps):
            assert sum(1 for s in stamps[i:] if s < stamp + 1.0) <= 30
        rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
        assert rate >= 27
    finally:
        for cluster in clusters:
            await cluster.__aexit__(None, None, None)


async def test_one_limiter_alone_gets_the_whole_rate(pg_url: str) -> None:
    async with Cluster(pg_url, lambda: None) as cluster:
        limiter = cluster.rate_limiter("telegram", 30)
        start = time.monotonic()
        for _ in range(31):
            await limiter.acquire()
        assert time.monotonic() - start < 1.2


def test_a_second_run_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "bot.db")
    with sqlite_run_lock(db), pytest.raises(AlreadyRunning, match=r"already served by `strikebot run`.*PostgreSQL"), sqlite_run_lock(db):
        pass
    with sqlite_run_lock(db):
        pass
