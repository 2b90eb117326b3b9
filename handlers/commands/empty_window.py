"""What an empty window adds to "No reports in this period": when the latest report was, and where to find it.

The offer is a button that runs a command (`/stats 365d`), labelled with
the command itself, so a terminal that lists buttons shows what to type.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from handlers.commands.base import Call
from handlers.context import Button, Message
from handlers.render.common import region_names

# a button whose data starts with this runs the command that follows, as if typed
RUN = "run:"
# what such a button may run: read-only commands, so a forged press can change nothing
BUTTON_COMMANDS = frozenset({"latest", "stats", "top", "chart", "summary"})


def command_button(call: Call, command: str, *words: str, region: str | None = None) -> Button:
    """A button running `/command words… region`: the data names the region by id, the label by name."""
    line = " ".join(["/" + command, *words])
    label = line + (f" {region_names([region], call.locale)[0]}" if region else "")
    return Button(label, RUN + line + (f" {region}" if region else ""))


def button_command(data: str) -> tuple[str, str] | None:
    """The (command, arguments) a command button runs; None for other data or commands not allowed."""
    if not data.startswith(RUN):
        return None
    name, _, args = data.removeprefix(RUN).strip().lstrip("/").partition(" ")
    return (name, args.strip()) if name in BUTTON_COMMANDS else None


async def point_to_latest(
    call: Call, msg: Message, command: str, windows: Mapping[str, datetime | None], region: str | None
) -> None:
    """Say when the latest report (of the region) was and offer the smallest window that holds it.

    `windows` maps each of the command's periods, smallest first, to where it
    starts (None: all time); bounded ones end now. Without such a window the
    button opens the report itself.
    """
    found = await call.deps.store.latest(1, region=region)
    if not found:
        return
    latest, tr, now = found[0], call.tr, call.deps.now()
    end = latest.period_end
    msg.lines.append(
        tr._(
            "The latest report, #{id}, is from {day}.",
            id=latest.id,
            day=tr.day(end.astimezone(call.deps.timezone)),
        )
    )
    window = next(
        (key for key, since in windows.items() if since is None or since <= end < now),
        None,
    )
    if window is None:
        msg.buttons.append(command_button(call, "summary", str(latest.id)))
    else:
        msg.buttons.append(command_button(call, command, window, region=region))
