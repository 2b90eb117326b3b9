"""POST /v1/reports/parse: a report's text in, its ingest draft and warnings out, nothing stored."""

from __future__ import annotations

from pathlib import Path

from bot.api.openapi import openapi_document
from tests.bot.api.harness import AUTH, api_harness
from tests.bot.api.schema import validator

_POST = """ЗБИТО/ПОДАВЛЕНО 61 ВОРОЖИЙ БПЛА

У ніч на 14 березня (з 19:00 13 березня) противник атакував 70 ударними БпЛА типу Shahed, Гербера та дронами-імітаторами.
Станом на 08:30 ППО збито/подавлено 61 ворожий БпЛА.
Зафіксовано влучання 9 ударних БпЛА на 4 локаціях.
"""
_TEXT = {"Content-Type": "text/plain; charset=utf-8", **AUTH}


async def test_a_post_comes_back_as_a_draft_that_ingests(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        resp = await h.client.post("/v1/reports/parse?published=2025-03-14T09:10", data=_POST.encode(), headers=_TEXT)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        validator(openapi_document(), "ParseReply").validate(body)
        draft = body["summary"]
        assert draft["period_start"] == "2025-03-13T19:00:00+02:00"
        assert draft["period_end"] == "2025-03-14T08:30:00+02:00"
        assert draft["weapons"] == [{"model": "Shahed-136/131 and Gerbera", "launched": 70, "neutralized_unsplit": 61}]
        assert draft["hit_locations"] == 4
        assert isinstance(body["warnings"], list)
        # nothing stored, nobody woken
        assert await h.store.count_summaries() == 0
        assert h.wakes == []
        # the draft is what /v1/summaries takes
        stored = await h.client.post("/v1/summaries", json=draft, headers=AUTH)
        assert stored.status == 201, await stored.text()


async def test_text_without_a_report_is_422_saying_what_was_missing(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        resp = await h.client.post("/v1/reports/parse", data="Доброго ранку, Україно!".encode(), headers=_TEXT)
        assert resp.status == 422
        (error,) = (await resp.json())["errors"]
        assert error["msg"].startswith("no report in the text: no launched or neutralized figures")
        empty = await h.client.post("/v1/reports/parse", data=b"", headers=_TEXT)
        assert empty.status == 422


async def test_writes_rules_apply(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        anonymous = await h.client.post("/v1/reports/parse", data=_POST.encode(), headers={"Content-Type": "text/plain"})
        assert anonymous.status == 401
        as_json = await h.client.post("/v1/reports/parse", json={"text": _POST}, headers=AUTH)
        assert as_json.status == 415
        assert "text/plain" in (await as_json.json())["errors"][0]["msg"]
        latin1 = await h.client.post(
            "/v1/reports/parse", data=_POST.encode(), headers={**AUTH, "Content-Type": "text/plain; charset=latin-1"}
        )
        assert latin1.status == 415
        not_utf8 = await h.client.post("/v1/reports/parse", data=b"\xff\xfe 50 drones", headers=_TEXT)
        assert not_utf8.status == 400
        bad_time = await h.client.post("/v1/reports/parse?published=yesterday", data=_POST.encode(), headers=_TEXT)
        assert bad_time.status == 422
        assert (await bad_time.json())["errors"][0]["loc"] == "published"
    async with api_harness(tmp_path / "off", token=None) as h:
        off = await h.client.post("/v1/reports/parse", data=_POST.encode(), headers=_TEXT)
        assert off.status == 403


async def test_a_figure_out_of_bounds_is_422_naming_the_field(tmp_path: Path) -> None:
    async with api_harness(tmp_path) as h:
        text = "Overnight Russia launched 250000 drones at Ukraine, the Air Force said; 240000 were shot down."
        resp = await h.client.post("/v1/reports/parse?published=2025-03-14T09:10", data=text.encode(), headers=_TEXT)
        assert resp.status == 422, await resp.text()
        assert any(e["loc"].startswith("summary.") for e in (await resp.json())["errors"])
