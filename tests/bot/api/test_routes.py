"""The HTTP API contract: every status code of the table, idempotency, revisions, retraction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
from aiohttp.test_utils import TestClient, TestServer

from bot.api import build_api
from bot.api.openapi import openapi_document
from bot.metrics import Metrics
from storage.sources import SeenPost
from storage.sqlite import SqliteStore
from tests.bot.api.harness import AUTH, TOKEN, api_harness, summary


async def test_post_creates_then_unchanged_then_revised(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        first = await h.client.post("/v1/summaries", json=summary(), headers=AUTH)
        assert first.status == 201
        created = await first.json()
        assert created == {"id": created["id"], "revision": 1, "status": "created"}

        again = await h.client.post("/v1/summaries", json=summary(), headers=AUTH)
        assert again.status == 200
        assert await again.json() == {"id": created["id"], "revision": 1, "status": "unchanged"}

        corrected = await h.client.post("/v1/summaries", json=summary(injured=25), headers=AUTH)
        assert corrected.status == 200
        assert await corrected.json() == {"id": created["id"], "revision": 2, "status": "revised"}

        one = await (await h.client.get(f"/v1/summaries/{created['id']}")).json()
        assert one["injured"] == 25 and one["revision"] == 2 and one["status"] == "active"
        assert await h.store.count_summaries() == 1
        # a live ingest that changed something wakes the dispatcher; an unchanged re-post need not
        assert len(h.wakes) == 2


async def test_summary_without_external_id_is_created_each_time(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        body = summary()
        del body["external_id"]
        a = await h.client.post("/v1/summaries", json=body, headers=AUTH)
        b = await h.client.post("/v1/summaries", json=body, headers=AUTH)
        assert (a.status, b.status) == (201, 201)
        assert (await a.json())["id"] != (await b.json())["id"]


async def test_summary_reads_back_in_latest_json_shape(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        created = await (await h.client.post("/v1/summaries", json=summary(), headers=AUTH)).json()
        got = await h.client.get(f"/v1/summaries/{created['id']}")
        assert got.status == 200
        body = await got.json()
        assert body["id"] == created["id"]
        assert body["regions"] == ["kyiv-city"]
        assert body["launched"] == 550 and body["drones_launched"] == 539 and body["missiles_launched"] == 11
        assert body["neutralized"] == 268 + 208 + 7
        assert body["weapons"][0]["category"] == "drone"
        assert "created_at" not in body


async def test_latest_orders_newest_first_and_bounds_n(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        for day in (3, 5, 4):
            body = summary(
                external_id=f"day-{day}",
                period_start=f"2025-07-0{day}T00:00:00+03:00",
                period_end=f"2025-07-0{day}T06:00:00+03:00",
            )
            assert (await h.client.post("/v1/summaries", json=body, headers=AUTH)).status == 201
        resp = await h.client.get("/v1/summaries/latest", params={"n": "2"})
        assert resp.status == 200
        items = await resp.json()
        assert [s["external_id"] for s in items] == ["day-5", "day-4"]
        assert len(await (await h.client.get("/v1/summaries/latest")).json()) == 3
        for bad in ("0", "101", "-1", "abc", "1.5", "99999999999999999999999"):
            resp = await h.client.get("/v1/summaries/latest", params={"n": bad})
            assert resp.status == 422, bad
            assert (await resp.json())["errors"][0]["loc"] == "n"


async def test_unknown_or_malformed_summary_id_is_404(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        for path in ("/v1/summaries/42", "/v1/summaries/abc", "/v1/summaries/0", "/v1/summaries/" + "9" * 30):
            resp = await h.client.get(path)
            assert resp.status == 404, path
            assert (await resp.json())["errors"]


async def test_retract_marks_retracted_and_drops_from_latest(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        created = await (await h.client.post("/v1/summaries", json=summary(), headers=AUTH)).json()
        resp = await h.client.post(f"/v1/summaries/{created['id']}/retract", headers=AUTH)
        assert resp.status == 200
        assert (await resp.json())["status"] == "retracted"
        assert await (await h.client.get("/v1/summaries/latest")).json() == []
        assert (await (await h.client.get(f"/v1/summaries/{created['id']}")).json())["status"] == "retracted"
        stats = await (await h.client.get("/v1/stats")).json()
        assert stats["summaries"] == 0

        missing = await h.client.post("/v1/summaries/999/retract", headers=AUTH)
        assert missing.status == 404
        unauth = await h.client.post(f"/v1/summaries/{created['id']}/retract")
        assert unauth.status == 401


async def test_write_needs_the_right_bearer_token(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                        {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer " + TOKEN + "x"}):
            resp = await h.client.post("/v1/summaries", json=summary(), headers=headers)
            assert resp.status == 401, headers
            assert resp.headers["WWW-Authenticate"] == "Bearer"
        lower = await h.client.post("/v1/summaries", json=summary(), headers={"Authorization": f"bearer {TOKEN}"})
        assert lower.status == 201
        assert await h.store.count_summaries() == 1


async def test_without_configured_token_writes_answer_403_with_reason(tmp_path: Path, caplog: Any) -> None:
    caplog.set_level("DEBUG", logger="bot.api.auth")
    async with api_harness(tmp_path, token=None) as h:
        resp = await h.client.post("/v1/summaries", json=summary(), headers=AUTH)
        assert resp.status == 403
        assert "STRIKEBOT_API_TOKEN" in (await resp.json())["errors"][0]["msg"]
        assert (await h.client.post("/v1/summaries/1/retract", headers=AUTH)).status == 403
        # reads still work
        assert (await h.client.get("/v1/summaries/latest")).status == 200
        assert await h.store.count_summaries() == 0
    assert any("STRIKEBOT_API_TOKEN is not set" in r.getMessage() for r in caplog.records)


async def test_body_not_json_or_not_utf8_is_400(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        for raw in (b"{not json", b"", "{\"notes\": \"\xff\"}".encode("latin-1"), b"\xef\xbb\xbf{}",
                    b"[" * 5000 + b"]" * 5000, b'{"killed": 1' + b"0" * 5000 + b"}"):
            resp = await h.client.post(
                "/v1/summaries", data=raw, headers={**AUTH, "Content-Type": "application/json"}
            )
            assert resp.status == 400, raw[:20]
            assert (await resp.json())["errors"][0]["msg"]
        assert await h.store.count_summaries() == 0


async def test_body_over_256_kib_is_413_with_or_without_length(tmp_path: Path) -> None:
    big = ('{"notes": "' + "x" * (256 * 1024) + '"}').encode()

    async def chunks() -> Any:
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    async with api_harness(tmp_path) as h:
        with_length = await h.client.post("/v1/summaries", data=big, headers=AUTH)
        assert with_length.status == 413
        chunked = await h.client.post("/v1/summaries", data=chunks(), headers=AUTH)
        assert chunked.status == 413
        assert "chunked" in chunked.request_info.headers.get("Transfer-Encoding", "")
        assert await h.store.count_summaries() == 0
        # just under the limit is read (and then judged on its content)
        near = await h.client.post("/v1/summaries", json=summary(notes="y" * 3000), headers=AUTH)
        assert near.status == 201


async def test_invalid_summary_is_422_naming_each_field(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        body = summary(killed=-1, period_end="2025-07-04T06:00:00", colour="red")
        body["weapons"][0]["launched"] = 10
        resp = await h.client.post("/v1/summaries", json=body, headers=AUTH)
        assert resp.status == 422
        locs = {e["loc"] for e in (await resp.json())["errors"]}
        assert {"killed", "period_end", "colour"} <= locs
        over = await h.client.post(
            "/v1/summaries",
            json=summary(weapons=[{"model": "Shahed-136/131", "launched": 10, "destroyed": 8, "suppressed": 3}]),
            headers=AUTH,
        )
        assert over.status == 422
        assert (await over.json())["errors"][0]["loc"] == "weapons.0"
        not_object = await h.client.post("/v1/summaries", json=[summary()], headers=AUTH)
        assert not_object.status == 422
        output_only = await h.client.post("/v1/summaries", json=summary(id=5, launched=3), headers=AUTH)
        assert {e["loc"] for e in (await output_only.json())["errors"]} == {"id", "launched"}
        assert await h.store.count_summaries() == 0
        text = (await (await h.client.get("/metrics")).text())
        assert 'strikebot_summaries_ingested_total{outcome="rejected",source="api"} 4.0' in text


async def test_stats_window_region_and_bad_values(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        await h.client.post("/v1/summaries", json=summary(), headers=AUTH)
        await h.client.post(
            "/v1/summaries",
            json=summary(external_id="odesa", regions=["Odesa oblast"], weapons=[{"model": "Shahed-136/131", "launched": 10, "destroyed": 9}],
                         period_start="2025-07-10T01:00:00+03:00", period_end="2025-07-10T05:00:00+03:00"),
            headers=AUTH,
        )
        everything = await (await h.client.get("/v1/stats")).json()
        assert everything["summaries"] == 2 and everything["launched"] == 560
        assert everything["since"] is None and everything["largest"]["launched"] == 550
        # naive times are Kyiv local: 06:00 Kyiv is the first summary's period_end, inside [since, …)
        window = await h.client.get("/v1/stats", params={"since": "2025-07-04T06:00", "until": "2025-07-05"})
        assert window.status == 200
        got = await window.json()
        assert got["summaries"] == 1 and got["launched"] == 550
        assert datetime.fromisoformat(got["since"]) == datetime(2025, 7, 4, 3, tzinfo=UTC)
        later = await (await h.client.get("/v1/stats", params={"since": "2025-07-04T06:00:01+03:00"})).json()
        assert later["summaries"] == 1 and later["launched"] == 10
        region = await (await h.client.get("/v1/stats", params={"region": "Odesa"})).json()
        assert region["summaries"] == 1 and region["region"] == "odesa"
        bad = await h.client.get("/v1/stats", params={"since": "yesterday", "until": "2025-13-01", "region": "Atlantis"})
        assert bad.status == 422
        assert [e["loc"] for e in (await bad.json())["errors"]] == ["since", "until", "region"]


async def test_healthz_reflects_store_and_transports(tmp_path: Path) -> None:
    up = {"transports": False}

    async def transports_started() -> bool:
        return up["transports"]

    async with api_harness(tmp_path, health=transports_started) as h:
        resp = await h.client.get("/healthz")
        assert resp.status == 503
        assert await resp.json() == {"status": "unavailable", "store": True, "transports": False, "sources": []}
        up["transports"] = True
        resp = await h.client.get("/healthz")
        assert resp.status == 200
        assert (await resp.json())["status"] == "ok"
        await h.store.close()  # the database goes away
        resp = await h.client.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["store"] is False
        metrics = await h.client.get("/metrics")
        assert metrics.status == 200
        assert "strikebot_store_up 0.0" in await metrics.text()
        # reads against a dead store answer 503, not 500
        assert (await h.client.get("/v1/summaries/latest")).status == 503


async def test_healthz_stays_200_and_names_a_failing_source(tmp_path: Path) -> None:
    feed, channel, later = "https://news.example.org/feed.xml", "https://t.me/s/kpszsu", "https://example.org/new.xml"
    async with SqliteStore(str(tmp_path / "health.db")) as store:
        t0 = datetime(2026, 3, 1, 6, tzinfo=UTC)
        for url in (feed, channel):
            await store.lease_source(url, holder="p", now=t0, seconds=60)
            await store.source_succeeded(url, etag=None, last_modified=None, now=t0)
        await store.save_source_post(channel, SeenPost("kpszsu/1", "h", "000000000001", True), now=t0)
        await store.source_failed(feed, "HTTP 500", now=t0.replace(hour=7))
        app = build_api(
            store, api_token=None, metrics=Metrics(), wake_dispatcher=lambda: None, sources=[channel, feed, later]
        )
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            resp = await client.get("/healthz")
            assert resp.status == 200
            body = await resp.json()
    assert body["status"] == "ok"
    by_url = {s["url"]: s for s in body["sources"]}
    assert [s["url"] for s in body["sources"]] == [channel, feed, later]
    assert by_url[channel]["status"] == "ok" and by_url[channel]["posts_seen"] == 1
    assert by_url[feed]["status"] == "failing" and by_url[feed]["last_error"] == "HTTP 500"
    assert datetime.fromisoformat(by_url[feed]["last_success"]) == t0
    assert by_url[later] == {
        "url": later,
        "status": "waiting",
        "last_success": None,
        "last_error": None,
        "last_error_at": None,
        "posts_seen": 0,
    }
    doc = openapi_document()
    jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/HealthReply", "components": doc["components"]}
    ).validate(body)


async def test_metrics_counts_ingests_outbox_and_subscriptions(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        await h.store.subscribe("telegram", "100")
        await h.store.subscribe("telegram", "200", regions=["odesa"])
        await h.store.subscribe("discord", "300")
        await h.client.post("/v1/summaries", json=summary(), headers=AUTH)
        await h.client.post("/v1/summaries", json=summary(), headers=AUTH)
        h.metrics.delivery("telegram", "sent")
        h.metrics.send_latency("telegram", 0.03)
        h.metrics.rate_limited("discord")
        resp = await h.client.get("/metrics")
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
        for line in (
            'strikebot_summaries_ingested_total{outcome="created",source="api"} 1.0',
            'strikebot_summaries_ingested_total{outcome="unchanged",source="api"} 1.0',
            'strikebot_summaries_ingested_total{outcome="revised",source="api"} 0.0',
            'strikebot_subscriptions_active{platform="telegram"} 2.0',
            'strikebot_subscriptions_active{platform="discord"} 1.0',
            "strikebot_outbox_pending 2.0",  # the Kyiv summary reaches the two unfiltered chats
            'strikebot_deliveries_total{outcome="sent",platform="telegram"} 1.0',
            'strikebot_rate_limited_total{platform="discord"} 1.0',
            'strikebot_send_latency_seconds_count{platform="telegram"} 1.0',
            "strikebot_store_up 1.0",
        ):
            assert line in text, line
        assert "strikebot_outbox_oldest_due_age_seconds" in text


async def test_unknown_route_and_method_answer_json(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        nope = await h.client.get("/v2/nothing")
        assert nope.status == 404
        assert (await nope.json())["errors"]
        wrong = await h.client.delete("/v1/summaries/1")
        assert wrong.status == 405
        assert "GET" in wrong.headers["Allow"]


async def test_undecodable_compressed_body_is_400_without_server_traceback(tmp_path: Path, caplog: Any) -> None:
    caplog.set_level("DEBUG")
    async with api_harness(tmp_path) as h:
        resp = await h.client.post(
            "/v1/summaries", data=b'{"not": "gzip"}', headers={**AUTH, "Content-Encoding": "gzip"}
        )
        assert resp.status == 400
        assert "request body" in (await resp.json())["errors"][0]["msg"]
        # the next request (new connection) is served normally
        assert (await h.client.post("/v1/summaries", json=summary(), headers=AUTH)).status == 201
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
