"""What bot admins see of a post found at a followed source: a preview to confirm, and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.commands.admin import CANCEL, CONFIRM
from handlers.context import Button, Message
from handlers.i18n import translator
from handlers.ingest import parse_summary
from handlers.render import render_alert
from storage.models import StrikeSummary


def source_preview(
    payload: dict[str, Any],
    token: str,
    *,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    edited: bool,
    warnings: list[str],
) -> Message:
    """The /post preview of a report read from a source, with Confirm / Cancel (IngestError when invalid)."""
    draft = parse_summary(payload, live=True)
    preview = StrikeSummary.model_validate(draft.model_dump() | {"id": 0, "created_at": now, "updated_at": now})
    tr = translator(locale)
    msg = render_alert(preview, locale, tz, now=now)
    msg.title = tr._("Preview: {title}", title=msg.title)
    url = str(payload.get("source_url") or "")
    if edited:
        msg.lines.append(tr._("The source edited this post: confirming revises the report and edits its alerts."))
    msg.lines.append(tr._("Found at {url}", url=url))
    msg.lines.extend(tr._("Parser warning: {text}", text=w) for w in warnings[:5])
    msg.lines.append(tr._("Post this report? Chats subscribed to it get an alert."))
    msg.buttons = [Button(tr._("Confirm"), CONFIRM + token), Button(tr._("Cancel"), CANCEL + token)]
    return msg


def decided_notice(who: str, result: str, *, locale: str) -> Message:
    """What replaces a preview another admin decided."""
    tr = translator(locale)
    return Message(lines=[tr._("{who} decided this one: {result}", who=who, result=result)], replace=True)


def deleted_notice(url: str, *, locale: str) -> Message:
    """A report post vanished from its source; the report stays until an admin withdraws it."""
    tr = translator(locale)
    return Message(
        title=tr._("A report post was deleted at its source"),
        lines=[
            url,
            tr._("Its report was not withdrawn. If it should be, use /retract with the report's number."),
        ],
    )
