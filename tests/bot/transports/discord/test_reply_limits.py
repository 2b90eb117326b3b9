"""Discord interaction replies go out through REST like alerts: a 429 on them is waited out, never dropped."""

from __future__ import annotations

import time
from pathlib import Path

from handlers.context import CommandContext, HandlerDeps, Message
from tests.fakes.discord.harness import discord_world


async def several(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
    """An answer in two messages: the interaction response and a follow-up."""
    return [Message(lines=["first"]), Message(lines=["second"])]


async def test_reply_refused_with_429_by_cloudflare_is_sent_after_the_wait(tmp_path: Path) -> None:
    async with discord_world(tmp_path, handle=several) as w:
        # without a Via header discord.py takes the 429 for a ban and raises instead of waiting
        w.fake.faults.fail("POST", r"/callback$", 429, retry_after=0.4, via=False)
        w.fake.faults.fail("POST", r"^/webhooks/", 429, retry_after=0.4, is_global=True, via=False)
        started = time.monotonic()
        log = await w.fake.interactions.slash("help", channel=w.channel, user=w.member)
        first, second = await log.wait_replies(w.fake, 2)
    assert "first" in first.text and "second" in second.text
    assert len(w.fake.calls("POST", r"/callback$")) == 2
    assert len(w.fake.calls("POST", r"^/webhooks/")) == 2
    assert time.monotonic() - started >= 0.8, "each refusal was waited out"

