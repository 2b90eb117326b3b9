"""`key=value` arguments of /post and /correct turned into an ingest-JSON payload.

Validation is left to handlers.ingest, so bounds and messages are those of
the HTTP API; its field locations are mapped back to the keys the admin typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.commands.base import ArgsError, Call
from handlers.commands.regions import parse_regions
from handlers.ingest import IngestError
from storage.models import StrikeSummary, WeaponCategory

POST_KEYS = (
    "drones",
    "missiles",
    "destroyed",
    "suppressed",
    "neutralized",
    "model",
    "regions",
    "hits",
    "debris",
    "injured",
    "killed",
    "damage",
    "note",
    "start",
    "end",
    "source",
)
WEAPON_KEYS = ("drones", "missiles", "destroyed", "suppressed", "neutralized", "model")
DRONE_MODEL = "Unknown UAV"
MISSILE_MODEL = "Unknown Missile"
NIGHT_STARTS = time(18, 0)
# payload field → the /post key that sets it
FIELD_KEYS = {
    "hit_locations": "hits",
    "debris_locations": "debris",
    "killed": "killed",
    "injured": "injured",
    "damage": "damage",
    "notes": "note",
    "period_start": "start",
    "period_end": "end",
    "source": "source",
    "regions": "regions",
    "neutralized_unsplit": "neutralized",
}
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_pairs(call: Call, words: list[str]) -> dict[str, str]:
    """`drones=120 regions="Kyiv, Odesa"` → {"drones": "120", "regions": "Kyiv, Odesa"}."""
    pairs: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip().lower()
        if not sep:
            raise ArgsError(call.tr._("Expected key=value, got “{word}”. Keys: {keys}.", word=word, keys=", ".join(POST_KEYS)))
        if key not in POST_KEYS:
            raise ArgsError(call.tr._("Unknown key “{key}”. Keys: {keys}.", key=key, keys=", ".join(POST_KEYS)))
        pairs[key] = value.strip()
    return pairs


def _count(value: str) -> int | str:
    # a non-number goes through as text so the ingest rejects it with its usual message
    text = value.strip()
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _clock(call: Call, key: str, value: str, anchor: datetime, tz: ZoneInfo) -> datetime:
    """ISO (local time when it has no offset) or HH:MM, the latest such time at or before anchor."""
    match = _HHMM.match(value.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            local = anchor.astimezone(tz)
            moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
            return moment if moment <= local else moment - timedelta(days=1)
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    raise ArgsError(call.tr._("{key}: give a time as HH:MM or ISO, e.g. 2025-07-04T06:00", key=key))


def default_start(anchor: datetime, tz: ZoneInfo) -> datetime:
    """The last 18:00 at or before anchor: the night's reports start in the evening."""
    local = anchor.astimezone(tz)
    start = datetime.combine(local.date(), NIGHT_STARTS, tzinfo=tz)
    return start if start <= local else start - timedelta(days=1)


@dataclass
class _Tally:
    key: str
    model: str
    launched: int | str
    destroyed: int | str = 0
    suppressed: int | str = 0
    # neutralized with no split into shot down and suppressed (neutralized=)
    unsplit: int | str = 0


def _only_model(base: StrikeSummary | None, category: WeaponCategory, fallback: str) -> str:
    if base is not None:
        models = [w.model for w in base.weapons if w.category == category]
        if len(models) == 1:
            return models[0]
    return fallback


def _weapons(call: Call, pairs: dict[str, str], base: StrikeSummary | None) -> list[dict[str, Any]] | None:
    """Drone and missile tallies from totals; None when no weapon key was given."""
    if not any(k in pairs for k in WEAPON_KEYS):
        return None
    kept = [w for w in base.weapons if w.category not in (WeaponCategory.DRONE, WeaponCategory.MISSILE)] if base else []
    counted = [w for w in base.weapons if w.category in (WeaponCategory.DRONE, WeaponCategory.MISSILE)] if base else []

    def given(key: str, default: int) -> int | str:
        return _count(pairs[key]) if key in pairs else default

    drones = given("drones", base.drones_launched if base else 0)
    missiles = given("missiles", base.missiles_launched if base else 0)
    destroyed = given("destroyed", sum(w.destroyed for w in counted))
    suppressed = given("suppressed", sum(w.suppressed for w in counted))
    # a summary-wide unsplit total moves onto the weapons, where the launched check sees it
    unsplit = given(
        "neutralized", sum(w.neutralized_unsplit for w in counted) + (base.neutralized_unsplit if base else 0)
    )
    tallies = []
    if "drones" in pairs or drones:
        tallies.append(_Tally("drones", _only_model(base, WeaponCategory.DRONE, DRONE_MODEL), drones))
    if "missiles" in pairs or missiles:
        tallies.append(_Tally("missiles", _only_model(base, WeaponCategory.MISSILE, MISSILE_MODEL), missiles))
    if not tallies:
        raise ArgsError(call.tr._("Give drones= or missiles= with the other weapon figures."))
    if "model" in pairs:
        if len(tallies) > 1:
            raise ArgsError(call.tr._("model= names one weapon: give it with only drones= or only missiles=."))
        tallies[0].model = pairs["model"]
    _share(tallies, destroyed, suppressed, unsplit)
    weapons: list[dict[str, Any]] = []
    for t in tallies:
        weapon = {"model": t.model, "category": "drone" if t.key == "drones" else "missile",
                  "launched": t.launched, "destroyed": t.destroyed, "suppressed": t.suppressed}
        if t.unsplit:
            weapon["neutralized_unsplit"] = t.unsplit
        weapons.append(weapon)
    return weapons + [w.model_dump(mode="json") for w in kept]


def _share(tallies: list[_Tally], destroyed: int | str, suppressed: int | str, unsplit: int | str = 0) -> None:
    """Spread the totals: suppressed (EW, lost from radar) goes to drones first, destroyed then unsplit fill the rest.

    Whatever does not fit stays on the last tally, so the ingest reports the
    excess exactly as it would for the API.
    """
    if not all(isinstance(v, int) for v in (destroyed, suppressed, unsplit, *(t.launched for t in tallies))):
        tallies[0].destroyed, tallies[0].suppressed, tallies[0].unsplit = destroyed, suppressed, unsplit
        return
    left_sup, left_des, left_uns = int(suppressed), int(destroyed), int(unsplit)
    for t in tallies:
        room = max(int(t.launched), 0)
        t.suppressed = min(left_sup, room) if t is not tallies[-1] else left_sup
        left_sup -= int(t.suppressed)
    for t in tallies:
        room = max(int(t.launched) - int(t.suppressed), 0)
        t.destroyed = min(left_des, room) if t is not tallies[-1] else left_des
        left_des -= int(t.destroyed)
    for t in tallies:
        room = max(int(t.launched) - int(t.suppressed) - int(t.destroyed), 0)
        t.unsplit = min(left_uns, room) if t is not tallies[-1] else left_uns
        left_uns -= int(t.unsplit)


def build_payload(
    call: Call, pairs: dict[str, str], base: StrikeSummary | None
) -> dict[str, Any]:
    """The ingest payload: the base summary's content (for /correct) with the keys applied."""
    tz = call.deps.timezone
    now = call.deps.now()
    payload: dict[str, Any] = (
        base.draft().model_dump(mode="json", exclude_none=True) if base is not None else {}
    )
    if "end" in pairs:
        payload["period_end"] = _clock(call, "end", pairs["end"], now, tz).isoformat()
    elif base is None:
        payload["period_end"] = now.astimezone(tz).isoformat()
    end = datetime.fromisoformat(payload["period_end"])
    if "start" in pairs:
        payload["period_start"] = _clock(call, "start", pairs["start"], end, tz).isoformat()
    elif base is None:
        payload["period_start"] = default_start(end, tz).isoformat()
    weapons = _weapons(call, pairs, base)
    if weapons is not None:
        payload["weapons"] = weapons
        # folded into the weapons' own unsplit counts above
        payload.pop("neutralized_unsplit", None)
    if "regions" in pairs:
        payload["regions"] = parse_regions(call, [pairs["regions"]])
    for field, key in (("hit_locations", "hits"), ("debris_locations", "debris"), ("injured", "injured"), ("killed", "killed")):
        if key in pairs:
            payload[field] = _count(pairs[key]) if pairs[key] else None
    if "damage" in pairs:
        payload["damage"] = [d.strip() for d in pairs["damage"].split(";") if d.strip()]
    for field, key in (("notes", "note"), ("source", "source")):
        if key in pairs:
            payload[field] = pairs[key] or None
    return {k: v for k, v in payload.items() if v is not None}


def ingest_problem(call: Call, error: IngestError, payload: dict[str, Any]) -> str:
    """The ingest's errors with each field named by the key the admin typed."""
    parts = []
    for err in error.errors:
        parts.append(f"{_key_for(err['loc'], payload)}: {err['msg']}")
    return call.tr._("Not accepted: {problems}", problems="; ".join(parts))


def _key_for(loc: str, payload: dict[str, Any]) -> str:
    head, _, rest = loc.partition(".")
    if head == "weapons":
        index, _, attr = rest.partition(".")
        weapons = payload.get("weapons", [])
        tally = weapons[int(index)] if index.isdigit() and int(index) < len(weapons) else {}
        if attr in ("destroyed", "suppressed", "model"):
            return attr
        if attr == "neutralized_unsplit":
            return "neutralized"
        if attr == "launched" or not attr:
            kind = "drones" if tally.get("category") == "drone" else "missiles"
            if attr:
                return kind
            return "destroyed/suppressed/neutralized" if tally.get("neutralized_unsplit") else "destroyed/suppressed"
        return loc
    return FIELD_KEYS.get(head, loc)
