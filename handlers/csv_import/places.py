"""The dataset's place names (`target`, `target_main`, `affected region`) as gazetteer region ids."""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.catalog import Gazetteer

# Names the dataset uses that the gazetteer does not hold: towns by their
# oblast, and names of no Ukrainian oblast (the whole country, the front,
# Russia's Kursk oblast), which leave a report nationwide as before.
DATASET_PLACES: dict[str, tuple[str, ...]] = {
    "ukraine": (),
    "україна": (),
    "front line": (),
    "kursk oblast": (),
    "snake island": ("odesa",),
    "kolomyia": ("ivano-frankivsk",),
    "ochakiv": ("mykolaiv",),
}
_COMPASS = {"north", "south", "east", "west"}
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


def place_names(text: str) -> Iterable[str]:
    """`Kyiv and Odesa oblast` → the names joined by `and`."""
    for part in re.split(r"\s+and\s+", text.strip()):
        part = part.strip()
        if part:
            yield part


def resolve_place(places: Gazetteer, name: str) -> tuple[str, ...] | None:
    """The region ids a dataset place name stands for (empty: nationwide); None when unknown."""
    key = " ".join(name.casefold().split())
    if key in DATASET_PLACES:
        return DATASET_PLACES[key]
    found = places.resolve(name)
    if found is not None:
        return (found,)
    if "," in name:
        # "Dnipropetrovsk oblast, Dnipro Raion": the oblast is enough for matching
        for piece in name.split(","):
            found = places.resolve(piece)
            if found is not None:
                return (found,)
    if _QUALIFIER.search(name):
        # "Kyiv oblast (south)": the part of the oblast is finer than matching goes
        return resolve_place(places, _QUALIFIER.sub("", name))
    if key.endswith(" oblas"):
        return resolve_place(places, name.strip() + "t")
    if key.endswith(" oblast"):
        # "Lutsk oblast": an oblast named by its centre
        return resolve_place(places, name.strip()[: -len(" oblast")])
    halves = key.split("-")
    if len(halves) == 2 and set(halves) <= _COMPASS:
        # "north-east": both macro-regions
        both = [places.resolve(h) for h in halves]
        return tuple(r for r in both if r is not None) if all(both) else None
    return None
