"""/chart images: valid PNGs drawn off the event loop, and delivered by Telegram, Discord and the console."""

from __future__ import annotations

import asyncio
import io
import json
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.charts import MAX_TICKS, ChartRenderer, draw_png, render_chart_png, tick_positions
from bot.transports.console import ConsoleTransport
from handlers.charts_spec import ChartSeries, ChartSpec, SeriesKind
from handlers.context import CommandContext, HandlerDeps, Message
from handlers.ingest import ingest_payload
from handlers.router import handle
from storage.protocol import Store
from tests.bot.transports.telegram.support import open_test_store, running_transport
from tests.fakes.discord.harness import discord_world
from tests.fakes.telegram.api import FakeBotAPI
from tests.handlers.chat import KYIV, NOW

SEED = json.loads((Path(__file__).parents[2] / "seeds" / "seed-night.json").read_text())
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and the chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    crc = struct.unpack(">I", data[29:33])[0]
    assert crc == zlib.crc32(data[12:29])
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def spec(n_days: int = 30, *, title: str = "Launches per day: last 30 days") -> ChartSpec:
    """A month with a big night at the end and a few smaller ones."""
    drones = [0] * n_days
    missiles = [0] * n_days
    drones[-1], missiles[-1], drones[n_days // 2] = 539, 11, 120
    neutralized = [round(d * 0.87) for d in drones]
    return ChartSpec(
        days=tuple(f"Day {i + 1}" for i in range(n_days)),
        series=(
            ChartSeries("Drones", tuple(drones)),
            ChartSeries("Missiles", tuple(missiles)),
            ChartSeries("Neutralized", tuple(neutralized), SeriesKind.LINE),
        ),
        title=title,
        x_label="Day (Europe/Kyiv)",
        y_label="Number per day",
    )


def test_png_is_valid_and_sized_for_chat_apps() -> None:
    data = draw_png(spec())
    assert png_size(data) == (1000, 500)
    assert len(data) > 10_000  # bars, text and a line, not a blank canvas
    assert data.endswith(b"IEND\xaeB`\x82")


def test_ukrainian_text_and_a_year_of_days_draw_without_warnings() -> None:
    # filterwarnings=error turns a missing Cyrillic glyph into a failure
    data = draw_png(spec(365, title="Запуски за добами: останні 365 днів · Одеська область"))
    assert png_size(data) == (1000, 500)


def test_all_zero_days_still_draw() -> None:
    empty = ChartSpec(days=("Jul 1", "Jul 2"), series=(ChartSeries("Drones", (0, 0)),), title="Nothing")
    assert png_size(draw_png(empty)) == (1000, 500)


def test_series_must_cover_every_day() -> None:
    with pytest.raises(ValueError, match="2 values for 3 days"):
        ChartSpec(days=("a", "b", "c"), series=(ChartSeries("Drones", (1, 2)),), title="x")


def test_day_labels_end_on_the_newest_day_and_do_not_crowd() -> None:
    for n in (1, 7, 30, 90, 365):
        ticks = tick_positions(n)
        assert ticks[-1] == n - 1 and len(ticks) <= MAX_TICKS and ticks == sorted(set(ticks))
    assert tick_positions(7) == list(range(7))


async def test_drawing_happens_off_the_event_loop_and_in_parallel() -> None:
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(heartbeat())
    try:
        one = spec(90)
        images = await asyncio.gather(*(render_chart_png(one) for _ in range(4)))
    finally:
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)
    assert ticks > 3, "the loop was blocked while drawing"
    # drawing in several threads at once gives the same picture as one at a time
    assert len(set(images)) == 1 and images[0] == draw_png(one)


def chart_deps(store: Store) -> HandlerDeps:
    """The real drawer, Kyiv days, the clock on the morning after the seed night."""
    return HandlerDeps(store=store, timezone=KYIV, now=lambda: NOW, chart=render_chart_png)


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_test_store(tmp_path) as store:
        await ingest_payload(store, SEED, notify=False)
        yield store


async def test_telegram_sends_the_chart_as_a_photo(
    fake_telegram: FakeBotAPI, seeded: Store
) -> None:
    deps = chart_deps(seeded)

    async def routed(ctx: CommandContext, _: HandlerDeps) -> list[Message]:
        return await handle(ctx, deps)

    async with running_transport(fake_telegram, seeded, routed, menu=None):
        alice = fake_telegram.user("Alice")
        chat = fake_telegram.private_chat(alice)
        fake_telegram.push_message(chat, alice, "/chart 7d")
        [sent] = await fake_telegram.wait_sent(1, chat_id=chat)
    assert sent.method == "sendPhoto"
    photo = sent.params["photo"]
    assert isinstance(photo, bytes) and png_size(photo) == (1000, 500)
    assert sent.text is not None
    assert "Launches per day: last 7 days" in sent.text and "Launched 550 (539 drones, 11 missiles)" in sent.text


async def test_discord_attaches_the_chart_to_the_slash_reply(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await ingest_payload(w.store, SEED, notify=False)
        w.deps.now, w.deps.chart = (lambda: NOW), render_chart_png
        log = await w.fake.interactions.slash("chart", {"window": "7d", "region": "Kyiv"}, channel=w.channel, user=w.member)
        reply = await log.reply(w.fake)
        uploads = [r for r in w.fake.requests if r.files]
    assert "Launches per day: last 7 days · Kyiv" in reply.text
    assert "Launched 550" in reply.text
    [upload] = uploads
    assert upload.files == ["chart-7d.png"] and png_size(upload.uploads[0]) == (1000, 500)
    assert reply.embeds[0]["image"]["url"] == "attachment://chart-7d.png"


async def test_discord_offers_window_choices_for_chart(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        registered = [c for cmds in w.fake.commands.values() for c in cmds if c["name"] == "chart"]
    assert registered, "the /chart slash command is registered"
    options = {o["name"]: o for o in registered[0]["options"]}
    assert [c["value"] for c in options["window"]["choices"]] == ["7d", "30d", "90d", "365d"]
    assert options["region"].get("autocomplete") is True


async def test_console_saves_the_chart_and_prints_the_path(seeded: Store, tmp_path: Path) -> None:
    out = io.StringIO()
    console = ConsoleTransport(
        chart_deps(seeded), stdin=io.StringIO("/chart 30d\n"), stdout=out, image_dir=tmp_path / "img"
    )
    await console.run()
    printed = out.getvalue()
    assert "Launches per day: last 30 days" in printed and "Launched 550" in printed
    saved = Path(printed.split("[image saved to ")[1].split("]")[0])
    assert saved.parent == tmp_path / "img" and png_size(saved.read_bytes()) == (1000, 500)


async def test_repeated_requests_draw_once_and_never_more_than_one_at_a_time() -> None:
    drawn: list[str] = []
    running = 0
    peak = 0

    def counting_draw(s: ChartSpec) -> bytes:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            drawn.append(s.title)
            return draw_png(s)
        finally:
            running -= 1

    render = ChartRenderer(draw=counting_draw, cache_size=2, parallel=1)
    same = spec(7, title="same")
    results = await asyncio.gather(*(render(same) for _ in range(5)))
    assert len(set(results)) == 1 and results[0].startswith(b"\x89PNG")
    assert drawn == ["same"]  # five requests, one drawing
    await asyncio.gather(*(render(spec(7, title=f"t{i}")) for i in range(3)))
    assert peak == 1  # never two drawings in parallel
    await render(same)  # pushed out of a cache of two by the three newer charts
    assert drawn.count("same") == 2
