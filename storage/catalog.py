"""The region gazetteer and weapon model catalog shipped as package data."""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from storage.models import WeaponCategory


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("’", "'").split())


@dataclass(frozen=True)
class Region:
    id: str
    kind: str
    name_en: str
    name_uk: str
    aliases: tuple[str, ...]
    # the macro-region (north, center, east, south, west) an oblast or city lies in
    macro: str | None = None

    def name(self, locale: str) -> str:
        """The display name in a locale (`uk` or anything else for English)."""
        return self.name_uk if locale == "uk" else self.name_en


class Gazetteer:
    """Maps region names, Ukrainian names, aliases and ids to canonical ids."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = {r.id: r for r in regions}
        self._by_key: dict[str, str] = {}
        for r in regions:
            for name in (r.id, r.name_en, r.name_uk, *r.aliases):
                self._by_key.setdefault(_key(name), r.id)
        # "Odesa oblast" style names with a trailing word the gazetteer lacks
        for r in regions:
            if r.kind == "oblast":
                base = r.name_en.removesuffix(" oblast")
                self._by_key.setdefault(_key(base + " region"), r.id)

    def resolve(self, name: str) -> str | None:
        """The canonical id for a name, or None when unknown.

        An exact id wins over a name that folds to the same key: `kyiv` is the
        oblast's id while `Kyiv` is the city's name.
        """
        stripped = name.strip()
        if stripped in self.regions:
            return stripped
        return self._by_key.get(_key(name))

    def matching_set(self, regions: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The ids a summary naming `regions` should reach: each region, its macro-region,
        and for a macro-region every oblast and city in it (empty stays nationwide)."""
        found = set(regions)
        for region_id in regions:
            region = self.regions.get(region_id)
            if region is None:
                continue
            if region.macro:
                found.add(region.macro)
            if region.kind == "macro":
                found.update(r.id for r in self.regions.values() if r.macro == region_id)
        return tuple(sorted(found))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Close matches for an unknown name, as display names."""
        keys = difflib.get_close_matches(_key(name), list(self._by_key), n=n * 3, cutoff=0.6)
        out: list[str] = []
        for k in keys:
            region = self.regions[self._by_key[k]]
            if region.name_en not in out:
                out.append(region.name_en)
        return out[:n]

    def get(self, region_id: str) -> Region | None:
        return self.regions.get(region_id)


class WeaponCatalog:
    """Weapon model → category and kind; aliases (other spellings) lead to a model;
    `A and B` takes its components' category."""

    def __init__(
        self,
        categories: dict[str, WeaponCategory],
        aliases: dict[str, str] | None = None,
        kinds: dict[str, str] | None = None,
    ) -> None:
        self._by_key = {_key(m): c for m, c in categories.items()}
        self._model_by_key = {_key(m): m for m in categories}
        for alias, model in (aliases or {}).items():
            self._model_by_key.setdefault(_key(alias), model)
        self._kinds = {_key(m): k for m, k in (kinds or {}).items()}

    def category(self, model: str) -> WeaponCategory:
        found = self._single(model)
        if found is not None:
            return found
        # an alias may stand for a combination (`Х-22/32` → `X-22 and X-32`)
        combined = self._model_by_key.get(_key(model), model)
        parts = [p for p in (s.strip() for s in combined.split(" and ")) if p]
        if len(parts) > 1:
            cats = {self._single(p) or WeaponCategory.UNKNOWN for p in parts}
            if len(cats) == 1:
                return cats.pop()
        return WeaponCategory.UNKNOWN

    def model(self, name: str) -> str | None:
        """The catalog's model for a model name or one of its aliases (`Шахед` → `Shahed-136/131`)."""
        return self._model_by_key.get(_key(name))

    def kind(self, model: str) -> str:
        """What a catalog model is (`ballistic missile`, `decoy drone imitating Shahed` …); empty when unknown."""
        return self._kinds.get(_key(model), "")

    def names(self) -> dict[str, str]:
        """Every spelling the catalog knows (model names and aliases, case-folded) → its model."""
        return dict(self._model_by_key)

    def _single(self, name: str) -> WeaponCategory | None:
        key = _key(name)
        found = self._by_key.get(key)
        if found is None and key in self._model_by_key:
            found = self._by_key.get(_key(self._model_by_key[key]))
        return found


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("storage").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer (read once)."""
    return Gazetteer(
        [
            Region(
                id=row["id"],
                kind=row["kind"],
                name_en=row["name_en"],
                name_uk=row["name_uk"],
                aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
                macro=row.get("macro") or None,
            )
            for row in _read("regions.csv")
        ]
    )


@cache
def weapon_catalog() -> WeaponCatalog:
    """The shipped weapon catalog with its aliases (read once)."""
    rows = _read("weapon_models.csv")
    return WeaponCatalog(
        {row["model"]: WeaponCategory(row["category"]) for row in rows},
        aliases={row["alias"]: row["model"] for row in _read("weapon_aliases.csv")},
        kinds={row["model"]: row["kind"] for row in rows},
    )


def load() -> None:
    """Read both shipped catalogs now: `strikebot run` does at start, so that its first ingest need not (~1.5 ms)."""
    gazetteer()
    weapon_catalog()
