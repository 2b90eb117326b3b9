"""What happens to a report found at a source: a preview for the bot admins (review), or live at once (auto)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from bot.transports.base import Outcome, Target, Transport
from handlers.context import HandlerDeps, Message
from handlers.drafts import ANY_ADMIN
from handlers.ingest import ingest_summary
from handlers.parser import ParseResult
from handlers.source_review import decided_notice, deleted_notice, source_preview

log = logging.getLogger(__name__)

SourcesMode = Literal["review", "auto"]
# a morning post may wait for an admin who is still asleep
REVIEW_TTL = timedelta(hours=24)
CONSOLE_CHAT = "console"


@dataclass(frozen=True)
class Shown:
    """One admin's copy of a preview."""

    transport: Transport
    target: Target
    message_id: str


@dataclass
class ReportDesk:
    """Turns parsed source posts into previews (review) or stored reports (auto), and tells admins of deletions."""

    deps: HandlerDeps
    transports: Mapping[str, Transport]
    admins: Sequence[str]
    mode: SourcesMode = "review"
    count_ingest: Any = field(default=lambda outcome: None)

    def admin_targets(self) -> list[tuple[Transport, Target]]:
        """Each bot admin's private chat on a running transport (the console chat is its admin's)."""
        out: list[tuple[Transport, Target]] = []
        console = self.transports.get("console")
        if console is not None:
            out.append((console, Target(CONSOLE_CHAT)))
        for admin in self.admins:
            platform, _, user = admin.partition(":")
            # a Telegram private chat has the user's id; Discord would need a DM channel first
            if platform == "telegram" and platform in self.transports:
                out.append((self.transports[platform], Target(user)))
        return out

    async def report(self, result: ParseResult, *, url: str, edited: bool) -> str:
        """Handle one report post; returns what was done (previewed, created, revised, unchanged)."""
        payload = dict(result.draft) | {"external_id": url, "source_url": url}
        if self.mode == "auto":
            outcome = await ingest_summary(self.deps.store, payload, notify=True)
            self.count_ingest(outcome.status)
            if outcome.deliveries:
                self.deps.wake_dispatcher()
            log.info("source report stored", extra={"url": url, "outcome": outcome.status, "summary": outcome.id})
            return outcome.status
        await self._preview(payload, result.warnings, edited=edited)
        return "previewed"

    async def _preview(self, payload: dict[str, Any], warnings: list[str], *, edited: bool) -> None:
        now = self.deps.now()
        shown: list[Shown] = []
        locale = self.deps.default_locale

        async def decided(who: str, result: str) -> None:
            notice = decided_notice(who, result, locale=locale)
            for copy in shown:
                await copy.transport.edit(copy.target, copy.message_id, copy.transport.render(notice))

        pending = self.deps.drafts.add(payload, ANY_ADMIN, now, ttl=REVIEW_TTL, on_decided=decided)
        message = source_preview(
            payload, pending.token, locale=locale, tz=self.deps.timezone, now=now, edited=edited, warnings=warnings
        )
        targets = self.admin_targets()
        if not targets:
            log.warning("a source report waits for review, but no bot admin can be reached", extra={"url": payload["source_url"]})
        for transport, target in targets:
            sent = await transport.send(target, transport.render(message))
            if sent.outcome is Outcome.OK and sent.message_id is not None:
                shown.append(Shown(transport, target, sent.message_id))
            else:
                log.warning("preview not delivered", extra={"chat": target.chat_id, "outcome": sent.outcome})

    async def deleted(self, link: str) -> None:
        """A report post vanished at its source: a notice to every admin, nothing withdrawn."""
        notice: Message = deleted_notice(link, locale=self.deps.default_locale)
        for transport, target in self.admin_targets():
            await transport.send(target, transport.render(notice))
