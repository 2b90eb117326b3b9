"""From counts with roles to weapon tallies: launched per weapon, then what was neutralized of each.

Figures under one cue add up (a list after `противник атакував`); the same
weapon stated again under a later cue is a restatement, and when the
figures differ the first is kept with a warning. Totals (`199 цілей`, a
headline) are checked against the weapons' figures; a total is used only
when the text gives no figures by weapon, and then an unsplit neutralized
total stays a total (`neutralized_unsplit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.parser.cues import Role
from handlers.parser.roles import Assigned
from handlers.parser.weapons import Mention
from storage.catalog import weapon_catalog

NEUTRALIZING = (Role.NEUTRALIZED, Role.DESTROYED, Role.SUPPRESSED)
UNSPECIFIED = "Unspecified air weapons"
_GENERIC_MODEL = {
    ("drone", "decoy"): "Decoy UAV",
    ("drone", "reconnaissance"): "Reconnaissance UAV",
    ("missile", "ballistic"): "Ballistic Missile",
    ("missile", "cruise"): "Cruise Missile",
}
_GENERIC_BY_KIND = {"drone": "Unknown UAV", "munition": "Unknown UAV", "missile": "Unknown Missile", "bomb": "Aerial Bomb"}
_PLURAL = {"drone": "drones", "munition": "munitions", "missile": "missiles", "bomb": "bombs", "total": "targets"}
_ROLE_WORDS = {
    Role.LAUNCHED: "launched",
    Role.NEUTRALIZED: "neutralized",
    Role.DESTROYED: "shot down",
    Role.SUPPRESSED: "suppressed",
}


def _classes(models: tuple[str, ...], klass: str) -> set[str]:
    catalog = weapon_catalog()
    found = {klass} if klass else set()
    for model in models:
        for part in model.split(" and "):
            words = catalog.kind(part).split()
            found.update(w for w in words if w not in {"missile", "drone", "used", "against", "ground", "targets"})
    return found


@dataclass
class Entry:
    """One weapon line of the summary being built."""

    kind: str
    models: tuple[str, ...]
    klass: str
    launched: int
    figures: dict[Role, int] = field(default_factory=dict)
    # which cue occurrence set each figure (a later cue restates)
    set_by: dict[Role, int] = field(default_factory=dict)

    @property
    def classes(self) -> set[str]:
        return _classes(self.models, self.klass)

    @property
    def model(self) -> str:
        if self.models:
            return " and ".join(self.models)
        if self.kind == "total":
            return UNSPECIFIED
        return _GENERIC_MODEL.get((self.kind, self.klass), _GENERIC_BY_KIND.get(self.kind, UNSPECIFIED))

    @property
    def neutralized(self) -> int:
        return sum(self.figures.get(r, 0) for r in NEUTRALIZING)

    def label(self) -> str:
        return self.model if self.models or self.klass else _PLURAL.get(self.kind, self.kind)


def _same_kind(a: str, b: str) -> bool:
    return a == b or ("munition" in (a, b) and "total" not in (a, b))


def _compatible(entry: Entry, m: Mention) -> bool:
    """Whether `m` could be describing `entry` (same kind, no model or class that contradicts it)."""
    if not _same_kind(entry.kind, m.kind):
        return False
    if m.models and not set(m.models) & set(entry.models):
        return not entry.models and not entry.klass
    return not (m.klass and entry.klass and m.klass not in entry.classes)


def _expanded(m: Mention, warnings: list[str]) -> list[Mention]:
    """A count with its detail (`11 ракетами (6 … та 5 …)`): the detail, plus what it leaves unnamed."""
    if not m.parts or m.kind == "total":
        return [m]
    for p in m.parts:
        if not p.kind:
            p.kind = m.kind
    detail = sum(p.count for p in m.parts)
    if detail == m.count:
        return list(m.parts)
    if detail < m.count:
        rest = Mention(m.start, m.end, m.count - detail, m.approx, m.kind, m.klass if len(m.parts) else "", ())
        return [*m.parts, rest]
    warnings.append(f"{m.count} {_PLURAL.get(m.kind, m.kind)}: the detail adds up to {detail}; kept {m.count}")
    return [m]


@dataclass
class Tally:
    """The weapon lines, the neutralized total not given by weapon, and what could not be read cleanly."""

    entries: list[Entry] = field(default_factory=list)
    unsplit: int = 0
    warnings: list[str] = field(default_factory=list)
    used_approx: list[str] = field(default_factory=list)

    def weapons(self) -> list[dict[str, Any]]:
        """The weapon lines in the ingest JSON shape, leaving out figures the text does not state."""
        merged: dict[str, dict[str, Any]] = {}
        for e in self.entries:
            item = merged.setdefault(e.model, {"model": e.model, "launched": 0})
            item["launched"] += e.launched
            for role, key in ((Role.DESTROYED, "destroyed"), (Role.SUPPRESSED, "suppressed"), (Role.NEUTRALIZED, "neutralized_unsplit")):
                if role in e.figures:
                    item[key] = item.get(key, 0) + e.figures[role]
        return list(merged.values())


def build_tally(assigned: list[Assigned], context: dict[int, Mention]) -> Tally:
    """Weapon lines from counts with roles; `context` gives a bare count the weapon words named before it."""
    tally = Tally()
    body = [a for a in assigned if not a.mention.headline]
    headline = [a for a in assigned if a.mention.headline]
    _launched(tally, [a for a in body if a.role is Role.LAUNCHED])
    for a in body:
        if a.mention.of_total is not None and a.role in NEUTRALIZING:
            whole = Mention(a.mention.start, a.mention.end, a.mention.of_total, None, a.mention.kind, a.mention.klass, a.mention.models)
            _launched(tally, [Assigned(whole, Role.LAUNCHED, -1 - a.cue)])
    totals: list[Assigned] = []
    for a in body:
        if a.role not in NEUTRALIZING:
            continue
        m = a.mention
        if m.parent is not None:
            # the detail of a total is the body; the detail of a weapon count goes through that count
            if m.parent.kind == "total":
                _neutralized(tally, a, context)
            continue
        if m.kind == "total":
            totals.append(a)
            continue
        for part in _expanded(m, tally.warnings):
            _neutralized(tally, Assigned(part, a.role, a.cue), context)
    for a in totals:
        _neutralized_total(tally, a)
    for a in headline:
        _headline(tally, a, context)
    _check_limits(tally)
    return tally


def _launched(tally: Tally, assigned: list[Assigned]) -> None:
    totals: list[Mention] = []
    by_cue: dict[int, list[Assigned]] = {}
    for a in assigned:
        by_cue.setdefault(a.cue, []).append(a)
    for cue, group in by_cue.items():
        earlier = list(tally.entries)
        current: dict[tuple[str, tuple[str, ...], str], Entry] = {}
        for a in group:
            if a.mention.kind == "total":
                totals.append(a.mention)
                continue
            if a.mention.parent is not None and a.mention.parent.kind != "total":
                continue  # counted through its parent
            for m in _expanded(a.mention, tally.warnings):
                if m.kind:
                    _launch_one(tally, m, cue, earlier, current)
    for total in totals:
        listed = sum(e.launched for e in tally.entries)
        if not tally.entries:
            _note_approx(tally, total)
            tally.entries.append(Entry("total", (), "", total.count, set_by={Role.LAUNCHED: -1}))
            tally.warnings.append(f"launched given only as a total ({total.count}), not by weapon")
        elif listed != total.count:
            tally.warnings.append(
                f"launched: the total says {total.count}, the weapons listed add up to {listed}; kept the weapons listed"
            )


def _launch_one(
    tally: Tally, m: Mention, cue: int, earlier: list[Entry], current: dict[tuple[str, tuple[str, ...], str], Entry]
) -> None:
    """One launched count: a new weapon line, more of one under the same cue, or a restatement."""
    same = [e for e in earlier if _compatible(e, m)]
    if same:
        stated = sum(e.launched for e in same)
        if m.count != stated and all(e.launched != m.count for e in same):
            tally.warnings.append(f"{same[0].label()} launched stated as {stated} and as {m.count}; kept {stated}")
        return
    _note_approx(tally, m)
    key = (m.kind, m.models, m.klass)
    if key in current:
        current[key].launched += m.count
        return
    entry = Entry(m.kind, m.models, m.klass, m.count, set_by={Role.LAUNCHED: cue})
    current[key] = entry
    tally.entries.append(entry)


def _note_approx(tally: Tally, m: Mention) -> None:
    if m.approx and m.approx not in tally.used_approx:
        tally.used_approx.append(m.approx)
        tally.warnings.append(f"'{m.approx}' read as {m.count}")


def _find_entry(tally: Tally, m: Mention) -> tuple[Entry | None, str]:
    """The weapon line a neutralized count belongs to, or None with the reason."""
    entries = [e for e in tally.entries if e.kind != "total"]
    if m.models:
        hits = [e for e in entries if set(m.models) & set(e.models)]
        if len(hits) == 1:
            return hits[0], ""
    if m.klass:
        hits = [e for e in entries if m.klass in e.classes and _same_kind(e.kind, m.kind)]
        if len(hits) == 1:
            return hits[0], ""
    hits = [e for e in entries if _same_kind(e.kind, m.kind)]
    if len(hits) == 1:
        return hits[0], ""
    if not hits:
        return None, "the text states no launch of them"
    return None, "the text does not say which of the launched weapons they were"


def _describe_bare(m: Mention, role: Role, context: dict[int, Mention]) -> Mention | None:
    if m.kind:
        return m
    if role is Role.SUPPRESSED:
        return Mention(m.start, m.end, m.count, m.approx, "drone", all_but=m.all_but)
    before = context.get(m.start)
    if before is None:
        return None
    return Mention(m.start, m.end, m.count, m.approx, before.kind, before.klass, before.models, all_but=m.all_but)


def _neutralized(tally: Tally, a: Assigned, context: dict[int, Mention]) -> None:
    m = _describe_bare(a.mention, a.role, context)
    what = _ROLE_WORDS[a.role]
    if m is None or m.kind == "total":
        base = m or a.mention
        if base.all_but:
            tally.warnings.append(f"'all but {base.count}': the text does not say of which weapon; left out")
            return
        _note_approx(tally, base)
        _unsplit(tally, base.count, f"{base.count} {what} with no weapon named")
        return
    entry, why = _find_entry(tally, m)
    if entry is None:
        if m.all_but:
            tally.warnings.append(f"'all but {m.count}' {_PLURAL.get(m.kind, m.kind)}: {why}; left out")
            return
        _note_approx(tally, m)
        _unsplit(tally, m.count, f"{m.count} {_PLURAL.get(m.kind, m.kind)} {what}: {why}")
        return
    count = max(entry.launched - m.count, 0) if m.all_but else m.count
    if a.role in entry.set_by and entry.set_by[a.role] != a.cue:
        if entry.figures[a.role] != count:
            tally.warnings.append(
                f"{entry.label()} {what} stated as {entry.figures[a.role]} and as {count}; kept {entry.figures[a.role]}"
            )
        return
    _note_approx(tally, m)
    entry.figures[a.role] = entry.figures.get(a.role, 0) + count
    entry.set_by[a.role] = a.cue


def _unsplit(tally: Tally, count: int, reason: str) -> None:
    tally.unsplit += count
    tally.warnings.append(f"{reason}; kept as a neutralized total with no split by weapon")


def _stated(tally: Tally, role: Role) -> int:
    if role is Role.NEUTRALIZED:
        return sum(e.neutralized for e in tally.entries) + tally.unsplit
    return sum(e.figures.get(role, 0) for e in tally.entries)


def _neutralized_total(tally: Tally, a: Assigned) -> None:
    m = a.mention
    stated = _stated(tally, a.role)
    what = _ROLE_WORDS[a.role]
    if stated:
        if stated != m.count:
            tally.warnings.append(
                f"{what}: the total says {m.count}, the figures by weapon add up to {stated}; kept the figures by weapon"
            )
        return
    _note_approx(tally, m)
    if len(tally.entries) == 1:
        tally.entries[0].figures[a.role] = m.count
        tally.entries[0].set_by[a.role] = a.cue
        return
    tally.unsplit += m.count
    if a.role is not Role.NEUTRALIZED:
        tally.warnings.append(f"{m.count} {what} given only as a total; kept as neutralized with no split")


def _headline(tally: Tally, a: Assigned, context: dict[int, Mention]) -> None:
    m = a.mention
    if a.role is Role.LAUNCHED:
        scope = [e for e in tally.entries if m.kind == "total" or _same_kind(e.kind, m.kind)]
        stated = sum(e.launched for e in scope)
        if not stated:
            _launched(tally, [a])
        elif stated != m.count:
            tally.warnings.append(
                f"the headline says {m.count} {_PLURAL.get(m.kind, m.kind)} launched, the text {stated}; kept {stated}"
            )
        return
    if a.role not in NEUTRALIZING:
        return
    if m.kind == "total" or not m.kind:
        stated = _stated(tally, Role.NEUTRALIZED)
    else:
        stated = sum(e.neutralized for e in tally.entries if _same_kind(e.kind, m.kind))
    if not stated:
        if m.kind == "total" or not m.kind:
            _neutralized_total(tally, a)
        else:
            _neutralized(tally, a, context)
    elif stated != m.count:
        noun = _PLURAL.get(m.kind or "total", "targets")
        tally.warnings.append(f"the headline says {m.count} {noun} neutralized, the text {stated}; kept {stated}")


def _check_limits(tally: Tally) -> None:
    for e in tally.entries:
        if e.neutralized > e.launched:
            tally.warnings.append(
                f"{e.label()}: {e.neutralized} neutralized but {e.launched} launched; "
                "kept the neutralized figure as a total with no split by weapon"
            )
            tally.unsplit += e.neutralized
            e.figures.clear()
