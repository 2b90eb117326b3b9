"""A database created by an older release opens with the current code and keeps its data."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from storage import open_store
from storage.models import AlertFormat, DeliveryStatus
from storage.outbox import DeliveryResult
from tests.storage.migration_files import latest_version
from tests.storage.postgres_schema import fresh_schema

V1_SUB = ("telegram", "-100", "", "uk", 50, "telegram:1")


def _sql(backend: str, name: str) -> str:
    return resources.files("storage").joinpath("migrations", backend, name).read_text(encoding="utf-8")


def _sqlite_v1(path: Path) -> None:
    # what a release with only 0001 left behind, written the way its store wrote it
    con = sqlite3.connect(path)
    con.executescript(_sql("sqlite", "0001_init.sql"))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    con.execute("INSERT INTO schema_version VALUES (1, '2025-07-01T00:00:00.000Z')")
    con.execute(
        "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, min_launched, created_by, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '2025-07-01T00:00:00.000000Z', "
        "'2025-07-01T00:00:00.000000Z')",
        V1_SUB,
    )
    con.commit()
    con.close()


async def _postgres_v1(url: str) -> None:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        async with con.transaction():
            await con.execute(_sql("postgres", "0001_init.sql"))
            await con.execute(
                "CREATE TABLE schema_version "
                "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            await con.execute("INSERT INTO schema_version (version) VALUES (1)")
            await con.execute(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, locale, min_launched, created_by, "
                "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now())",
                *V1_SUB,
            )
    finally:
        await con.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def v1_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """(backend, URL) of a database at schema version 1 holding one subscription."""
    if request.param == "sqlite":
        path = tmp_path / "v1.db"
        _sqlite_v1(path)
        yield "sqlite", f"sqlite:///{path}"
        return
    async with fresh_schema() as (url, _):
        await _postgres_v1(url)
        yield "postgres", url


async def test_a_version_1_database_migrates_and_keeps_its_subscriptions(v1_database: tuple[str, str]) -> None:
    backend, url = v1_database
    async with open_store(url) as store:
        assert await store.schema_version() == latest_version(backend)  # type: ignore[attr-defined]
        sub = await store.get_subscription("telegram", "-100")
        assert sub is not None and sub.active and sub.locale == "uk" and sub.min_launched == 50
        assert sub.quiet is None
        quiet = await store.update_subscription(sub.id, quiet=(23 * 60, 7 * 60))
        assert quiet.quiet == (23 * 60, 7 * 60)
    # opening again applies nothing twice and keeps the new column's value
    async with open_store(url) as store:
        again = await store.get_subscription("telegram", "-100")
        assert again is not None and again.quiet == (23 * 60, 7 * 60)


async def test_a_version_1_database_gets_the_full_alert_format(v1_database: tuple[str, str]) -> None:
    _, url = v1_database
    async with open_store(url) as store:
        sub = await store.get_subscription("telegram", "-100")
        assert sub is not None and sub.format == AlertFormat.FULL
        await store.update_subscription(sub.id, format=AlertFormat.COMPACT)
    async with open_store(url) as store:
        again = await store.get_subscription("telegram", "-100")
        assert again is not None and again.format == AlertFormat.COMPACT and again.locale == "uk"



async def test_sqlite_sends_tallied_before_version_15_still_count(tmp_path: Path) -> None:
    path = tmp_path / "v14.db"
    con = _sqlite_at(path, 14)
    # two batches at the same moment (version 15 keeps one open row a moment) and a merged minute
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    con.executemany(
        "INSERT INTO delivery_tallies (sent_at, sent, merged) VALUES (?, ?, ?)",
        [(an_hour_ago, 2, 0), (an_hour_ago, 3, 0), (an_hour_ago // 60 * 60, 40, 1)],
    )
    con.commit()
    con.close()
    async with open_store(f"sqlite:///{path}") as store:
        assert await store.schema_version() == latest_version("sqlite")  # type: ignore[attr-defined]
        assert (await store.queue_stats(now=datetime.now(UTC))).sent_24h == 45
        await store.subscribe("telegram", "-100")
        await store.enqueue_broadcast("after the upgrade", created_by=None)
        (job,) = await store.claim_deliveries(now=datetime.now(UTC), limit=5, lease_seconds=30)
        await store.finish_deliveries(
            [DeliveryResult(delivery_id=job.delivery.id, status=DeliveryStatus.SENT, platform_message_id="7")]
        )
        assert (await store.queue_stats(now=datetime.now(UTC))).sent_24h == 46
        await store.prune_deliveries(before=datetime.now(UTC) + timedelta(minutes=1))
        assert (await store.queue_stats(now=datetime.now(UTC))).sent_24h == 46


async def test_sqlite_finished_rows_of_version_15_are_pruned_as_before(tmp_path: Path) -> None:
    path = tmp_path / "v15.db"
    con = _sqlite_at(path, 15)
    old = "2026-10-01T00:00:00.000000+00:00"
    con.execute("INSERT INTO subscriptions (id, platform, chat_id, created_at, updated_at) VALUES (1, 'telegram', '-100', ?, ?)", (old, old))
    con.execute("INSERT INTO broadcasts (id, text, created_at) VALUES (1, 'hello', ?)", (old,))
    # summary 1 is not there: the prune reads only the deliveries, and foreign keys are off here
    rows = [
        (1, 1, None, "send", "sent"),  # the alert's own message: kept for corrections
        (2, None, 1, "send", "sent"),  # a broadcast that went out
        (3, 1, None, "send", "dead"),
        (4, 1, None, "send", "skipped"),
        (5, 1, None, "edit", "sent"),
        (6, 1, None, "send", "pending"),
    ]
    con.executemany(
        "INSERT INTO deliveries (id, summary_id, broadcast_id, subscription_id, action, status, next_attempt_at, "
        "created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, 0, ?, ?)",
        [(*row, old, old) for row in rows],
    )
    con.commit()
    con.close()
    async with open_store(f"sqlite:///{path}") as store:
        assert await store.schema_version() == latest_version("sqlite")  # type: ignore[attr-defined]
        assert (await store.queue_stats(now=datetime.now(UTC))).dead == 1
        assert await store.prune_deliveries(before=datetime.now(UTC)) == 4
        assert (await store.queue_stats(now=datetime.now(UTC))).dead == 0
    con = sqlite3.connect(path)
    assert [r[0] for r in con.execute("SELECT id FROM deliveries ORDER BY id")] == [1, 6]
    con.close()


def _sqlite_at(path: Path, last: int) -> sqlite3.Connection:
    """A SQLite file as a release with migrations 1 to `last` left it (its connection, open)."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    for version in range(1, last + 1):
        (name,) = (n for n in _names("sqlite") if n.startswith(f"{version:04d}_"))
        con.executescript(_sql("sqlite", name))
        con.execute("INSERT INTO schema_version VALUES (?, '2026-11-01T00:00:00.000Z')", (version,))
    return con


def _names(backend: str) -> list[str]:
    return sorted(e.name for e in resources.files("storage").joinpath("migrations", backend).iterdir())
