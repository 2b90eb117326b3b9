"""/top on Discord: registered with window choices and region autocomplete, answered from the store."""

from __future__ import annotations

from pathlib import Path

from handlers.ingest import ingest_summary
from tests.fakes.discord_harness import discord_world

NIGHT = {
    "external_id": "kpszsu/night-1",
    "period_start": "2025-07-03T18:00:00+03:00",
    "period_end": "2025-07-04T06:00:00+03:00",
    "regions": ["Odesa"],
    "weapons": [{"model": "Shahed-136/131", "launched": 120, "destroyed": 50, "suppressed": 20}],
}


async def test_top_slash_command(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        registered = {c["name"]: c for c in w.fake.commands["global"]}
        window, region = registered["top"]["options"]
        assert window["name"] == "window" and [c["value"] for c in window["choices"]] == ["7d", "30d", "90d", "365d", "all"]
        assert region["name"] == "region" and region.get("autocomplete")
        first = (await ingest_summary(w.store, NIGHT, notify=False)).id
        bigger = (await ingest_summary(w.store, NIGHT | {"external_id": "kpszsu/night-2", "weapons": [
            {"model": "Shahed-136/131", "launched": 300, "destroyed": 250}]}, notify=False)).id
        log = await w.fake.slash("top", {"window": "all", "region": "Odesa oblast"}, channel=w.channel, user=w.member)
        reply = await log.reply(w.fake)
        assert "Largest attacks: all time · Odesa oblast" in reply.text
        assert reply.text.index(f"#{bigger}") < reply.text.index(f"#{first}")
        log = await w.fake.autocomplete("top", "region", "ode", channel=w.channel, user=w.member)
        choices = (await log.reply(w.fake)).message["choices"]
        assert any("Odesa" in c["name"] for c in choices)
