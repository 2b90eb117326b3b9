"""Bot admin commands: /post (preview, then Confirm / Cancel), /correct, /retract, /broadcast, /status."""

from __future__ import annotations

import secrets
from typing import Any

from handlers.commands.base import ArgsError, Call, one_id, parse_id, split_args
from handlers.commands.post_text import ReportText, parse_post, report_text
from handlers.commands.postargs import WEAPON_KEYS, build_payload, ingest_problem, parse_pairs
from handlers.context import Button, Message
from handlers.drafts import ANY_ADMIN, PendingDraft
from handlers.ingest import IngestError, ingest_summary, parse_summary
from handlers.render import render_alert
from handlers.render.chat import render_status
from handlers.render.instances import instance_fields
from storage.models import StrikeSummary, SummaryStatus
from storage.sources import followed_sources

CONFIRM = "post:ok:"
CANCEL = "post:no:"


def _validate(call: Call, payload: dict[str, Any], *, live: bool = True, typed: bool = True) -> StrikeSummary:
    """Run the API's validation; a summary-shaped preview on success.

    `typed`: the payload came from key=value, so errors name the keys; else they name the fields.
    """
    try:
        draft = parse_summary(payload, live=live)
    except IngestError as exc:
        if typed:
            raise ArgsError(ingest_problem(call, exc, payload)) from None
        problems = "; ".join(f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in exc.errors)
        raise ArgsError(call.tr._("Not accepted: {problems}", problems=problems)) from None
    now = call.deps.now()
    return StrikeSummary.model_validate(
        draft.model_dump() | {"id": 0, "created_at": now, "updated_at": now}
    )


def _owner(call: Call) -> str:
    return call.ctx.user.key if call.ctx.user else call.ctx.platform


async def cmd_post(call: Call) -> list[Message]:
    """/post key=value …, or /post with a report's text (or replying to one): previewed, stored only on Confirm."""
    text = report_text(call)
    if text is not None:
        return await post_text(call, text)
    words = split_args(call)
    if not words:
        # the router adds the usage line; this one shows a whole report
        raise ArgsError(
            call.tr._(
                "Give the report's figures, e.g. /post drones=120 missiles=4 destroyed=100 suppressed=10 regions=\"Kyiv, Odesa\" injured=3 note=\"…\""
            )
            + " "
            + call.tr._("Or paste a report's text after /post, or send /post as a reply to it.")
        )
    try:
        pairs = parse_pairs(call, words)
        payload = build_payload(call, pairs, None)
        payload["external_id"] = f"strikebot/post/{secrets.token_hex(8)}"
        preview = _validate(call, payload)
    except ArgsError:
        call.deps.count_ingest("rejected")
        raise
    # zeros the admin did not type are not figures
    unknown = not any(key in pairs for key in ("destroyed", "suppressed", "neutralized"))
    return [_preview(call, preview, payload, neutralized_unknown=unknown)]


async def post_text(call: Call, text: ReportText) -> list[Message]:
    """/post with a report's text: the parser's draft previewed with its warnings, stored only on Confirm."""
    try:
        parsed = parse_post(call, text)
        preview = _validate(call, parsed.payload, typed=False)
    except ArgsError as exc:
        call.deps.count_ingest("rejected")
        # one line saying what was missing; a usage line about key=value would not help here
        return call.reply(str(exc))
    return [_preview(call, preview, parsed.payload, neutralized_unknown=not preview.neutralized, warnings=parsed.warnings)]


def _preview(
    call: Call,
    preview: StrikeSummary,
    payload: dict[str, Any],
    *,
    neutralized_unknown: bool,
    warnings: list[str] | None = None,
) -> Message:
    """The alert as it would go out, the warnings, and Confirm / Cancel for a draft kept until pressed."""
    now = call.deps.now()
    pending = call.deps.drafts.add(payload, _owner(call), now)
    msg = render_alert(preview, call.locale, call.deps.timezone, now=now, neutralized_unknown=neutralized_unknown)
    tr = call.tr
    msg.title = tr._("Preview: {title}", title=msg.title)
    msg.lines.extend("⚠️ " + warning for warning in warnings or [])
    msg.lines.append(tr._("Post this report? Chats subscribed to it get an alert."))
    msg.buttons = [
        Button(tr._("Confirm"), CONFIRM + pending.token),
        Button(tr._("Cancel"), CANCEL + pending.token),
    ]
    return msg


async def on_post_button(call: Call, data: str) -> list[Message]:
    """Confirm stores and fans out the previewed draft; Cancel drops it."""
    tr = call.tr
    confirm = data.startswith(CONFIRM)
    token = data.removeprefix(CONFIRM if confirm else CANCEL)
    seen = call.deps.drafts.peek(token, call.deps.now())
    if seen is not None and seen.owner not in (ANY_ADMIN, _owner(call)):
        # refused before taking it, so the author can still confirm
        return call.reply(tr._("Only the admin who sent this /post can confirm or cancel it."), private=True)
    pending = call.deps.drafts.take(token, call.deps.now())
    shared = call.deps.shared_drafts
    if pending is None and shared is not None:
        # a source's report: kept in the database, so it outlives a restart
        pending = await shared.take(token, call.deps.now())
    if pending is None:
        return [Message(lines=[tr._("This draft has expired or was already handled. Send /post again.")], replace=True)]
    if not confirm:
        await _tell_others(call, pending, tr._("Cancelled: nothing was posted."))
        return [Message(lines=[tr._("Cancelled: nothing was posted.")], replace=True)]
    try:
        outcome = await ingest_summary(call.deps.store, pending.payload, notify=True)
    except IngestError as exc:
        call.deps.count_ingest("rejected")
        return [Message(lines=[ingest_problem(call, exc, pending.payload)], replace=True)]
    call.deps.count_ingest(outcome.status)
    if outcome.status == "unchanged":
        # the same report again (a text pasted twice): nobody is alerted twice
        same = tr._("Report #{id} already says that; nothing changed.", id=outcome.id)
        await _tell_others(call, pending, same)
        return [Message(lines=[same], replace=True)]
    call.deps.wake_dispatcher()
    if outcome.status == "revised":
        posted = tr._("Report #{id} corrected: revision {revision}.", id=outcome.id, revision=outcome.revision)
        queued = tr.ngettext(
            "{n} alert will be updated or sent.", "{n} alerts will be updated or sent.", outcome.deliveries
        )
    else:
        posted = tr._("Posted as report #{id}.", id=outcome.id)
        queued = tr.ngettext("Alert queued for {n} chat.", "Alert queued for {n} chats.", outcome.deliveries)
    await _tell_others(call, pending, posted)
    return [Message(title="✅ " + posted, lines=[queued], replace=True)]


async def _tell_others(call: Call, pending: PendingDraft, result: str) -> None:
    """A draft shown to several admins: the others' previews say who decided and how."""
    if pending.on_decided is None:
        return
    user = call.ctx.user
    who = (user.display_name or user.key) if user is not None else call.ctx.platform
    await pending.on_decided(who, result, (call.ctx.platform, call.ctx.chat_id))


async def cmd_correct(call: Call) -> list[Message]:
    """/correct ID key=value …: a new revision; alerts already sent get edited."""
    words = split_args(call)
    summary_id = parse_id(call, words[0] if words else None, "correct")
    summary = await call.deps.store.get_summary(summary_id)
    tr = call.tr
    if summary is None:
        call.deps.count_ingest("rejected")
        return call.reply(tr._("There is no report #{id}.", id=summary_id))
    if summary.status == SummaryStatus.RETRACTED:
        call.deps.count_ingest("rejected")
        return call.reply(tr._("Report #{id} was withdrawn and cannot be corrected.", id=summary_id))
    if len(words) < 2:
        # the router adds the usage line
        raise ArgsError(tr._("Say what to change, e.g. /correct {id} injured=25", id=summary_id))
    try:
        return await _correct(call, summary, words[1:])
    except ArgsError:
        call.deps.count_ingest("rejected")
        raise


async def _correct(call: Call, summary: StrikeSummary, words: list[str]) -> list[Message]:
    """Store the corrected figures as a new revision of `summary`; its outcome is counted."""
    tr, summary_id = call.tr, summary.id
    pairs = parse_pairs(call, words)
    payload = build_payload(call, pairs, summary)
    # history imported as reported may break the launched-total rule; only new weapon figures must keep it
    live = any(key in pairs for key in WEAPON_KEYS)
    _validate(call, payload, live=live)
    external_id = summary.external_id
    if external_id is None:
        # an id of its own lets the ingest revise this summary instead of adding another
        external_id = f"strikebot/summary/{summary.id}"
        if not await call.deps.store.assign_external_id(summary.id, external_id):
            fresh = await call.deps.store.get_summary(summary.id)
            external_id = fresh.external_id if fresh is not None else None
        if external_id is None:
            call.deps.count_ingest("rejected")
            return call.reply(tr._("There is no report #{id}.", id=summary_id))
    payload["external_id"] = external_id
    try:
        outcome = await ingest_summary(call.deps.store, payload, notify=True, live=live)
    except IngestError as exc:
        raise ArgsError(ingest_problem(call, exc, payload)) from None
    call.deps.count_ingest(outcome.status)
    if outcome.status == "unchanged":
        return call.reply(tr._("Report #{id} already says that; nothing changed.", id=summary_id))
    call.deps.wake_dispatcher()
    return call.reply(
        tr._("Report #{id} corrected: revision {revision}.", id=outcome.id, revision=outcome.revision),
        tr.ngettext("{n} alert will be updated or sent.", "{n} alerts will be updated or sent.", outcome.deliveries),
    )


async def cmd_retract(call: Call) -> list[Message]:
    """/retract ID: withdraw a report; its alerts are edited to say so."""
    summary_id = one_id(call, split_args(call), "retract")
    tr = call.tr
    summary = await call.deps.store.get_summary(summary_id)
    if summary is None:
        call.deps.count_ingest("rejected")
        return call.reply(tr._("There is no report #{id}.", id=summary_id))
    if summary.status == SummaryStatus.RETRACTED:
        call.deps.count_ingest("unchanged")
        return call.reply(tr._("Report #{id} was already withdrawn.", id=summary_id))
    await call.deps.store.retract(summary_id)
    call.deps.count_ingest("retracted")
    call.deps.wake_dispatcher()
    return call.reply(tr._("Report #{id} withdrawn; alerts already sent will say so.", id=summary_id))


async def cmd_broadcast(call: Call) -> list[Message]:
    """/broadcast TEXT: an announcement to every subscribed chat."""
    text = call.ctx.args.strip()
    tr = call.tr
    if not text:
        # the router adds the usage line
        raise ArgsError(tr._("Give the announcement's text."))
    if len(text) > 3000:
        raise ArgsError(tr._("The text is too long: at most {max} characters.", max=tr.number(3000)))
    queued = await call.deps.store.enqueue_broadcast(
        text, created_by=call.ctx.user.key if call.ctx.user else None
    )
    call.deps.wake_dispatcher()
    return call.reply(tr.ngettext("Broadcast queued for {n} chat.", "Broadcast queued for {n} chats.", queued))


async def cmd_status(call: Call) -> list[Message]:
    """/status: subscriptions by platform, the delivery queue and the followed sources."""
    store, now = call.deps.store, call.deps.now()
    figures = await store.outbox_figures(now=now)
    sources = followed_sources(await store.source_states(), call.deps.sources)
    status = render_status(
        figures.subscriptions, figures.queue, call.locale,
        sources=sources, tz=call.deps.timezone, now=now, counted_at=figures.taken_at,
    )
    if call.deps.instances is not None:
        status.fields.extend(instance_fields(await call.deps.instances(), call.locale, now))
    return [status]
