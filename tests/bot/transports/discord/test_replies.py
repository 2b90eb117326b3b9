"""Interaction replies: deferred when the router is slow, ephemeral when private, follow-ups, images."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path

from bot.transports.base import Outcome, Target
from handlers.context import CommandContext, HandlerDeps, Image, Message
from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.interact import CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE

PNG = b"\x89PNG\r\n\x1a\nfake"
# the budget of the commands that answer at once: a busy machine must not push an instant
# answer past it (the app's 2 s); answering within it, not deferring, is what is checked
AMPLE = 30.0


async def slow(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
    """A router that needs longer than the reply budget."""
    await asyncio.sleep(0.3)
    return [Message(title="Stats", lines=[f"args={ctx.args}"], image=Image(PNG, "chart.png"))]


async def several(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
    """A router answering with a private note and a public message."""
    return [Message(lines=["only you"], private=True), Message(lines=["everyone"])]


async def test_slow_command_is_deferred_then_answered_with_the_chart(tmp_path: Path) -> None:
    async with discord_world(tmp_path, handle=slow, reply_budget=0.05) as w:
        log = await w.fake.interactions.slash("stats", {"window": "7d", "region": "Odesa oblast"}, channel=w.channel, user=w.member)
        reply = await log.reply(w.fake)
        assert log.callbacks[0]["type"] == DEFERRED_CHANNEL_MESSAGE
        assert reply.deferred and not reply.ephemeral
        assert "args=7d Odesa oblast" in reply.text
        assert [r.files for r in w.fake.requests if r.files] == [["chart.png"]]
        assert reply.embeds[0]["image"]["url"] == "attachment://chart.png"


async def test_fast_command_is_answered_at_once(tmp_path: Path) -> None:
    async with discord_world(tmp_path, handle=several, reply_budget=AMPLE) as w:
        log = await w.fake.interactions.slash("help", channel=w.channel, user=w.member)
        first, second = await log.wait_replies(w.fake, 2)
        assert log.callbacks[0]["type"] == CHANNEL_MESSAGE
        assert first.ephemeral and "only you" in first.text
        assert not second.ephemeral and "everyone" in second.text
        callback = w.fake.calls("POST", r"/callback$")[0].json
        followup = w.fake.calls("POST", r"^/webhooks/")[0].json
        assert callback["data"]["allowed_mentions"] == {"parse": []}
        assert followup["allowed_mentions"] == {"parse": []}


async def test_slow_private_answer_does_not_fill_the_public_placeholder(tmp_path: Path) -> None:
    async def slow_refusal(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
        await asyncio.sleep(0.2)
        return [Message(lines=["Admin rights are needed"], private=True)]

    async with discord_world(tmp_path, handle=slow_refusal, reply_budget=0.05) as w:
        log = await w.fake.interactions.slash("subscribe", channel=w.channel, user=w.member)
        reply = await log.reply(w.fake)
        assert reply.ephemeral and "Admin rights" in reply.text
        assert log.original_id is None, "the public placeholder was deleted"


async def test_options_become_text_arguments(tmp_path: Path) -> None:
    seen: list[CommandContext] = []

    async def record(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
        seen.append(ctx)
        return [Message(lines=["ok"])]

    async with discord_world(tmp_path, handle=record) as w:
        await (await w.fake.interactions.slash("post", {"drones": 120, "regions": "Kyiv, Odesa", "note": 'say "hi"'}, channel=w.thread, user=w.admin)).reply(w.fake)
        await (await w.fake.interactions.slash("latest", {"n": 3, "region": "Odesa oblast"}, channel=w.channel, user=w.member)).reply(w.fake)
        await (await w.fake.interactions.slash("stats", {"region": "Слов'янськ"}, channel=w.channel, user=w.member)).reply(w.fake)
        post, latest, stats = seen
        # the handlers' own build_args quoting, read back word for word by their shlex split
        assert post.args == "drones=120 regions='Kyiv, Odesa' note='say \"hi\"'"
        assert shlex.split(post.args) == ["drones=120", "regions=Kyiv, Odesa", 'note=say "hi"']
        assert post.is_bot_admin and post.platform == "discord"
        assert (post.chat_id, post.thread_id) == (str(w.channel.id), str(w.thread.id))
        assert latest.args == "3 Odesa oblast" and not latest.is_bot_admin
        assert shlex.split(stats.args) == ["Слов'янськ"]
        assert latest.user is not None and latest.user.key == f"discord:{w.member.id}"
        assert await latest.is_chat_admin() is False


async def test_transport_sends_images_as_attachments(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        rendered = w.transport.render(Message(title="Chart", image=Image(PNG, "week.png")))
        result = await w.transport.send(Target(str(w.channel.id), str(w.thread.id)), rendered)
        assert result.outcome == Outcome.OK
        posted = w.fake.channel_messages(w.thread.id)
        assert [a["filename"] for a in posted[0].payload["attachments"]] == ["week.png"]
        assert posted[0].payload["embeds"][0]["image"]["url"] == "attachment://week.png"


async def test_private_commands_answer_ephemerally_even_when_fast(tmp_path: Path) -> None:
    async def status(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
        # neither message says private: the command alone makes them so
        return [Message(title="Status", lines=["last error: chat -100123"]), Message(lines=["queue 3 pending"])]

    async with discord_world(tmp_path, handle=status, reply_budget=AMPLE) as w:
        for command in ("status", "settings", "post"):
            log = await w.fake.interactions.slash(command, channel=w.channel, user=w.admin)
            first, second = await log.wait_replies(w.fake, 2)
            assert log.callbacks[0]["type"] == CHANNEL_MESSAGE, "answered within the budget, not deferred"
            assert first.ephemeral and second.ephemeral, command
        callbacks = w.fake.calls("POST", r"/callback$")
        assert all(c.json["data"]["flags"] & (1 << 6) for c in callbacks)
        assert all(c.json["flags"] & (1 << 6) for c in w.fake.calls("POST", r"^/webhooks/"))
        # an everyday command still answers in public
        log = await w.fake.interactions.slash("latest", channel=w.channel, user=w.member)
        assert not (await log.wait_replies(w.fake, 2))[1].ephemeral
