"""Discord's message command "Post as report": a message's text → the /post preview with every figure → Confirm."""

from __future__ import annotations

from pathlib import Path

from bot.transports.discord.commands.bot_admins import POST_AS_REPORT
from tests.fakes.discord.harness import discord_world

# an English press report written for this test
NEWS = (
    "Russia launched 64 drones and three cruise missiles at Ukraine overnight on Tuesday, the Ukrainian Air Force said.\n"
    "Air defences shot down 52 drones and all three missiles. Drone debris fell in the Kyiv region, "
    "and two people were injured in Kyiv."
)


async def test_post_as_report_previews_then_confirm_stores(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        log = await w.fake.interactions.message_command(POST_AS_REPORT, NEWS, channel=w.channel, user=w.admin, author=w.member)
        preview = await log.reply(w.fake)
        assert preview.ephemeral and "Preview" in preview.text
        assert "67 (64 drones, 3 missiles)" in preview.text
        assert "55 (82.1%)" in preview.text and "2 injured" in preview.text
        assert [b["label"] for b in preview.buttons()] == ["Confirm", "Cancel"]
        assert await w.store.count_summaries() == 0
        press = await w.fake.interactions.press(preview.message, "Confirm", channel=w.channel, user=w.admin)
        assert "Posted as report #" in (await press.reply(w.fake)).text
        [summary] = await w.store.latest(1)
        assert (summary.launched, summary.neutralized, summary.injured) == (67, 55, 2)


async def test_post_as_report_is_for_bot_admins_and_needs_a_report(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        refused = await (await w.fake.interactions.message_command(POST_AS_REPORT, NEWS, channel=w.channel, user=w.member)).reply(w.fake)
        assert refused.ephemeral and "Only bot admins" in refused.text
        chatter = await w.fake.interactions.message_command(POST_AS_REPORT, "see you tonight", channel=w.channel, user=w.admin)
        reply = await chatter.reply(w.fake)
        assert reply.text.startswith("No report in this text:") and not reply.buttons()
        assert await w.store.count_summaries() == 0
