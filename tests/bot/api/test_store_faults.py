"""The API over a store that cannot write: a full disk, a deleted or replaced SQLite file → 503 in the one error shape, /healthz unhealthy."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from tests.bot.api.harness import AUTH, api_harness, summary
from tests.storage.disk import fill_disk, free_disk

UNAVAILABLE = {"errors": [{"loc": "", "msg": "the store is unavailable"}]}


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.CRITICAL]


async def test_a_full_disk_answers_503_and_health_says_the_store_cannot_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with api_harness(tmp_path) as h:
        assert (await h.client.post("/v1/summaries", json=summary(), headers=AUTH)).status == 201
        assert (await h.client.get("/healthz")).status == 200
        await fill_disk(h.store)
        for i in range(3):
            big = summary(external_id=f"big-{i}", notes="x" * 3900, damage=["y" * 300] * 40)
            resp = await h.client.post("/v1/summaries", json=big, headers=AUTH)
            assert resp.status == 503
            assert await resp.json() == UNAVAILABLE
        health = await h.client.get("/healthz")
        assert health.status == 503
        assert (await health.json())["store"] is False
        # reads still answer
        assert (await h.client.get("/v1/summaries/latest")).status == 200
        await free_disk(h.store)
        assert (await h.client.get("/healthz")).status == 200
        assert (await h.client.post("/v1/summaries", json=summary(external_id="after"), headers=AUTH)).status == 201
    assert not tracebacks(caplog)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_deleted_or_replaced_sqlite_file_refuses_writes_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    caplog.set_level(logging.INFO)
    async with api_harness(tmp_path) as h:
        assert (await h.client.post("/v1/summaries", json=summary(), headers=AUTH)).status == 201
        db = tmp_path / "api.db"
        if how == "deleted":
            for name in ("api.db", "api.db-wal", "api.db-shm"):
                (tmp_path / name).unlink(missing_ok=True)
        else:  # a backup restored over it: same name, another file
            shutil.copy(db, tmp_path / "restored.db")
            os.replace(tmp_path / "restored.db", db)
        caplog.clear()
        resp = await h.client.post("/v1/summaries", json=summary(external_id="lost"), headers=AUTH)
        assert resp.status == 503
        assert await resp.json() == UNAVAILABLE
        health = await h.client.get("/healthz")
        assert health.status == 503 and (await health.json())["store"] is False
        assert (await h.client.post("/v1/summaries/1/retract", headers=AUTH)).status == 503
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(str(db) in m and how in m for m in loud), loud
    assert not tracebacks(caplog)
