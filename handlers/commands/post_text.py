"""/post with a report's own text (pasted after the command, or the message it replies to) → an ingest payload.

The text is read by the offline parser (handlers/parser); what it yields is
previewed like any /post. The payload's external_id makes a repeat
`unchanged` and a corrected text a revision (docs/behaviour.md "Posting a
report's text").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.commands.base import ArgsError, Call
from handlers.commands.postargs import POST_KEYS
from handlers.context import ReportOrigin
from handlers.parser import NoReport, parse_report

# `key=value` starts with a bare word glued to `=`; a report's text never does
_KEY_VALUE = re.compile(r"^[^\s=\"']+=")
_SLUG = re.compile(r"[^a-z0-9]+")
PASTE_PREFIX = "strikebot/paste/"


@dataclass(frozen=True)
class ReportText:
    """The text to parse and, for a forwarded post, where it was first published."""

    text: str
    origin: ReportOrigin | None = None


@dataclass(frozen=True)
class ParsedPost:
    """A parsed report ready for the /post preview: the ingest payload and the parser's warnings."""

    payload: dict[str, Any]
    warnings: list[str]


def report_text(call: Call) -> ReportText | None:
    """The report's text of a /post: pasted after it, else the replied-to message's; None for key=value."""
    args = call.ctx.args.strip()
    if args:
        return None if _typed_keys(args) else ReportText(args)
    quoted = call.ctx.quoted
    if quoted is not None and quoted.text.strip():
        return ReportText(quoted.text, quoted.origin)
    return None


def _typed_keys(args: str) -> bool:
    """key=value, or one line starting with a key whose `=` was forgotten (`drones 10`)."""
    if _KEY_VALUE.match(args):
        return True
    first = args.split(maxsplit=1)[0].lower()
    return "\n" not in args and first in POST_KEYS


def paste_key(draft: dict[str, Any], tz: ZoneInfo) -> str:
    """The key of a pasted text with no origin: one report per source per night (the night's morning date)."""
    source = str(draft.get("source") or "")
    slug = _SLUG.sub("-", source.lower()).strip("-") or "unnamed"
    morning = datetime.fromisoformat(draft["period_end"]).astimezone(tz).date()
    return f"{PASTE_PREFIX}{slug}/{morning.isoformat()}"


def parse_post(call: Call, report: ReportText) -> ParsedPost:
    """Parse the text into an ingest payload keyed for revisions; ArgsError in one line when it holds no report."""
    origin = report.origin
    try:
        result = parse_report(
            report.text,
            origin.published if origin is not None else None,
            tz=call.deps.timezone,
            now=call.deps.now(),
        )
    except NoReport as exc:
        raise ArgsError(call.tr._("No report in this text: {reason}.", reason=str(exc))) from None
    payload = dict(result.draft)
    if origin is not None:
        # the channel's own post: a corrected version forwarded later revises the same summary
        payload["external_id"] = origin.external_id
        payload["source_url"] = origin.url
    else:
        payload["external_id"] = paste_key(payload, call.deps.timezone)
    return ParsedPost(payload, result.warnings)
