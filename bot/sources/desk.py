"""What happens to a report found at a source: a preview for the bot admins (review), or live at once (auto)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from bot.transports.base import Outcome, Target, Transport
from handlers.context import HandlerDeps, Message
from handlers.drafts import ANY_ADMIN, PendingDraft
from handlers.ingest import ingest_summary
from handlers.parser import ParseResult
from handlers.source_review import decided_notice, deleted_notice, source_preview
from storage.sources import ShownCopy, SourceDraft

log = logging.getLogger(__name__)

SourcesMode = Literal["review", "auto"]
# a morning post may wait for an admin who is still asleep
REVIEW_TTL = timedelta(hours=24)
CONSOLE_CHAT = "console"


@runtime_checkable
class PrivateChats(Protocol):
    """A transport whose private chat with a user must be looked up (Discord's DM channels)."""

    async def private_chat(self, user_id: str) -> Target | None:
        """The chat to message a user privately; None when it cannot be opened."""
        ...


@dataclass
class ReportDesk:
    """Turns parsed source posts into previews (review) or stored reports (auto), and tells admins of deletions.

    Previews wait in the database (Store.add_source_draft), so an admin can
    decide one after a restart or on another process: the desk is the
    handlers' SharedDrafts.
    """

    deps: HandlerDeps
    transports: Mapping[str, Transport]
    admins: Sequence[str]
    mode: SourcesMode = "review"
    count_ingest: Any = field(default=lambda outcome: None)

    async def admin_targets(self) -> list[tuple[Transport, Target]]:
        """Each bot admin's private chat on a running transport (the console chat is its admin's)."""
        out: list[tuple[Transport, Target]] = []
        console = self.transports.get("console")
        if console is not None:
            out.append((console, Target(CONSOLE_CHAT)))
        for admin in self.admins:
            platform, _, user = admin.partition(":")
            transport = self.transports.get(platform)
            if transport is None:
                continue
            if isinstance(transport, PrivateChats):
                # Discord: a direct-message channel has an id of its own, opened on first use
                target = await transport.private_chat(user)
                if target is not None:
                    out.append((transport, target))
            else:
                # a Telegram private chat has the user's id
                out.append((transport, Target(user)))
        return out

    async def report(self, result: ParseResult, *, url: str, edited: bool, source: str = "") -> str:
        """Handle one report post; returns what was done (previewed, created, revised, unchanged)."""
        payload = dict(result.draft) | {"external_id": url, "source_url": url}
        if self.mode == "auto":
            outcome = await ingest_summary(self.deps.store, payload, notify=True)
            self.count_ingest(outcome.status)
            if outcome.deliveries:
                self.deps.wake_dispatcher()
            log.info("source report stored", extra={"url": url, "outcome": outcome.status, "summary": outcome.id})
            return outcome.status
        await self._preview(payload, result.warnings, edited=edited, source=source or url)
        return "previewed"

    async def _preview(self, payload: dict[str, Any], warnings: list[str], *, edited: bool, source: str) -> None:
        now = self.deps.now()
        locale = self.deps.default_locale
        token = secrets.token_urlsafe(9)
        # the preview is checked (IngestError) before anything is kept
        message = source_preview(
            payload, token, locale=locale, tz=self.deps.timezone, now=now, edited=edited, warnings=warnings
        )
        post_url = str(payload["source_url"])
        await self.deps.store.add_source_draft(SourceDraft(token, source, post_url, payload, now + REVIEW_TTL), now=now)
        targets = await self.admin_targets()
        if not targets:
            log.warning("a source report waits for review, but no bot admin can be reached", extra={"url": post_url})
        shown: list[ShownCopy] = []
        for transport, target in targets:
            sent = await transport.send(target, transport.render(message))
            if sent.outcome is Outcome.OK and sent.message_id is not None:
                shown.append(ShownCopy(transport.platform, target.chat_id, sent.message_id))
            else:
                log.warning("preview not delivered", extra={"chat": target.chat_id, "outcome": sent.outcome})
        await self.deps.store.source_draft_shown(token, shown)

    async def show_again_on_console(self) -> int:
        """After a restart: previews still waiting are shown again in the console chat; how many.

        A Telegram or Discord preview keeps its buttons across a restart; the
        console's buttons live only as long as the process that printed them.
        """
        console = self.transports.get("console")
        if console is None:
            return 0
        now = self.deps.now()
        waiting = await self.deps.store.live_source_drafts(now=now)
        for draft in waiting:
            message = source_preview(
                draft.payload, draft.token, locale=self.deps.default_locale, tz=self.deps.timezone, now=now,
                edited=False, warnings=[],
            )
            sent = await console.send(Target(CONSOLE_CHAT), console.render(message))
            kept = [c for c in draft.shown if c.platform != "console"]
            if sent.outcome is Outcome.OK and sent.message_id is not None:
                kept.append(ShownCopy("console", CONSOLE_CHAT, sent.message_id))
            await self.deps.store.source_draft_shown(draft.token, kept)
        return len(waiting)

    async def take(self, token: str, now: datetime) -> PendingDraft | None:
        """A preview's draft for the admin who pressed first (SharedDrafts); the others' copies are told who did."""
        draft = await self.deps.store.take_source_draft(token, now=now)
        if draft is None:
            return None
        locale = self.deps.default_locale

        async def decided(who: str, result: str, where: tuple[str, str]) -> None:
            notice = decided_notice(who, result, locale=locale)
            for copy in draft.shown:
                transport = self.transports.get(copy.platform)
                if transport is None or (copy.platform, copy.chat_id) == where:
                    continue
                edited = await transport.edit(Target(copy.chat_id), copy.message_id, transport.render(notice))
                if edited.outcome is not Outcome.OK:
                    log.warning("preview not updated", extra={"chat": copy.chat_id, "outcome": edited.outcome})

        return PendingDraft(draft.token, draft.payload, ANY_ADMIN, draft.expires_at, decided)

    async def deleted(self, link: str) -> None:
        """A report post vanished at its source: a notice to every admin, nothing withdrawn."""
        notice: Message = deleted_notice(link, locale=self.deps.default_locale)
        for transport, target in await self.admin_targets():
            await transport.send(target, transport.render(notice))
