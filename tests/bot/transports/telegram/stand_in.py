"""A stand-in command handler that echoes what the Telegram adapter understood."""

from __future__ import annotations

from handlers.context import Button, CommandContext, HandlerDeps, Message

seen: list[CommandContext] = []


async def stand_in(ctx: CommandContext, deps: HandlerDeps) -> list[Message]:
    """Echo what the adapter understood, so tests can assert it."""
    seen.append(ctx)
    if ctx.command == "boom":
        raise RuntimeError("handler bug")
    if ctx.command == "buttons":
        return [Message(title="Post?", buttons=[Button("Confirm", "post:yes"), Button("Cancel", "post:no")])]
    if ctx.command == "callback":
        return [Message(lines=[f"pressed {ctx.callback}"], replace=True)]
    if ctx.command == "manage":
        return [Message(lines=[f"may manage: {await ctx.may_manage()}"])]
    return [
        Message(
            title=f"/{ctx.command}",
            lines=[f"args={ctx.args}", f"kind={ctx.chat_kind}", f"thread={ctx.thread_id}"],
            footer=f"admin={ctx.is_bot_admin} locale={ctx.locale}",
        )
    ]
