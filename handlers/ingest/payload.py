"""Validate and normalise incoming summaries, then store them (live ingest notifies)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from handlers.ingest.schema import SummaryIn
from storage.catalog import gazetteer, weapon_catalog
from storage.models import IngestOutcome, SummaryDraft, WeaponCategory, WeaponTally
from storage.protocol import Store

OUTPUT_ONLY = (
    "id",
    "revision",
    "status",
    "created_at",
    "updated_at",
    "launched",
    "drones_launched",
    "missiles_launched",
    "destroyed",
    "suppressed",
    "neutralized",
    "neutralization_rate",
)


class IngestError(ValueError):
    """A summary was rejected; `errors` lists each bad field as {"loc", "msg"}."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in errors)
        )


def _loc(parts: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in parts)


def _from_validation(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    errors = []
    for err in exc.errors(include_url=False):
        loc = _loc(err["loc"])
        if prefix:
            loc = f"{prefix}.{loc}" if loc else prefix
        msg = err["msg"].removeprefix("Value error, ")
        if not err["loc"] and "period_end" in msg:
            loc = f"{prefix}.period_end" if prefix else "period_end"
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        errors.append({"loc": loc, "msg": msg})
    return errors


def parse_summary(payload: Any, *, live: bool = True, prefix: str = "") -> SummaryDraft:
    """Validate one ingest-JSON object and normalise regions and weapon categories.

    Live ingest also refuses a weapon whose destroyed + suppressed exceeds
    its launched; history keeps such rows as reported.
    """
    if not isinstance(payload, dict):
        raise IngestError([{"loc": prefix, "msg": "expected a JSON object"}])
    early = [
        {"loc": f"{prefix}.{name}" if prefix else name, "msg": "output-only field, not accepted on ingest"}
        for name in OUTPUT_ONLY
        if name in payload
    ]
    try:
        parsed = SummaryIn.model_validate(payload)
    except ValidationError as exc:
        rest = [e for e in _from_validation(exc, prefix) if e["loc"] not in {x["loc"] for x in early}]
        raise IngestError(early + rest) from None
    if early:
        raise IngestError(early)
    return normalise(parsed, live=live, prefix=prefix)


def normalise(parsed: SummaryIn, *, live: bool, prefix: str = "") -> SummaryDraft:
    """Map region names to ids and fill weapon categories from the catalog."""
    errors: list[dict[str, str]] = []
    where = f"{prefix}." if prefix else ""
    regions: list[str] = []
    places = gazetteer()
    for i, name in enumerate(parsed.regions):
        region_id = places.resolve(name)
        if region_id is None:
            hint = places.suggest(name)
            msg = f"unknown region {name!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
            errors.append({"loc": f"{where}regions.{i}", "msg": msg})
        elif region_id not in regions:
            regions.append(region_id)
    catalog = weapon_catalog()
    weapons = []
    for i, w in enumerate(parsed.weapons):
        gone = w.destroyed + w.suppressed + w.neutralized_unsplit
        if live and gone > w.launched:
            what = "destroyed + suppressed" + (" + neutralized_unsplit" if w.neutralized_unsplit else "")
            errors.append({"loc": f"{where}weapons.{i}", "msg": f"{what} ({gone}) exceeds launched ({w.launched})"})
        category = WeaponCategory(w.category) if w.category else catalog.category(w.model)
        weapons.append(
            WeaponTally(
                model=w.model,
                category=category,
                launched=w.launched,
                destroyed=w.destroyed,
                suppressed=w.suppressed,
                neutralized_unsplit=w.neutralized_unsplit,
            )
        )
    if errors:
        raise IngestError(errors)
    return SummaryDraft(
        external_id=parsed.external_id,
        source=parsed.source,
        source_url=parsed.source_url,
        period_start=parsed.period_start,
        period_end=parsed.period_end,
        regions=tuple(sorted(regions)),
        weapons=tuple(weapons),
        hit_locations=parsed.hit_locations,
        debris_locations=parsed.debris_locations,
        killed=parsed.killed,
        injured=parsed.injured,
        damage=tuple(parsed.damage),
        notes=parsed.notes or None,
        neutralized_unsplit=parsed.neutralized_unsplit,
    )


def parse_many(payload: Any, *, live: bool = True) -> list[SummaryDraft]:
    """A JSON object or an array of them; errors are located by index (`0.weapons.1.launched`)."""
    if isinstance(payload, dict):
        return [parse_summary(payload, live=live)]
    if not isinstance(payload, list):
        raise IngestError([{"loc": "", "msg": "expected a JSON object or an array of objects"}])
    if not payload:
        raise IngestError([{"loc": "", "msg": "empty array: nothing to ingest"}])
    drafts, errors = [], []
    for i, item in enumerate(payload):
        try:
            drafts.append(parse_summary(item, live=live, prefix=str(i)))
        except IngestError as exc:
            errors.extend(exc.errors)
    if errors:
        raise IngestError(errors)
    return drafts


async def ingest_summary(store: Store, payload: Any, *, notify: bool, live: bool | None = None) -> IngestOutcome:
    """Validate then store one summary; live ingest (notify=True) enqueues its alerts.

    `live` (the launched-total rule) follows `notify` unless given.
    """
    draft = parse_summary(payload, live=notify if live is None else live)
    return await store.ingest(draft, notify=notify)


async def ingest_payload(store: Store, payload: Any, *, notify: bool) -> list[IngestOutcome]:
    """Validate every summary first, then store them all in one transaction."""
    drafts = parse_many(payload, live=notify)
    return await store.ingest_many(drafts, notify=notify)
