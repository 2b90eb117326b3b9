"""Region arguments: names, Ukrainian names, aliases or ids, several words or comma-separated."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.commands.base import ArgsError, Call
from storage.catalog import gazetteer


def parse_regions(call: Call, words: Sequence[str]) -> list[str]:
    """Canonical ids for the words; the longest name that matches wins (`Kyiv oblast`)."""
    places = gazetteer()
    tokens: list[list[str]] = [[]]
    for word in words:
        # commas separate names whether they stand alone or stick to a word
        pieces = word.split(",")
        for i, piece in enumerate(pieces):
            if i > 0:
                tokens.append([])
            # a quoted argument may hold several words: the greedy match below rejoins them
            tokens[-1].extend(piece.split())
    found: list[str] = []
    for group in (g for g in tokens if g):
        i = 0
        while i < len(group):
            for j in range(len(group), i, -1):
                region_id = places.resolve(" ".join(group[i:j]))
                if region_id is not None:
                    if region_id not in found:
                        found.append(region_id)
                    i = j
                    break
            else:
                raise ArgsError(unknown_region(call, " ".join(group[i:])))
    return found


def unknown_region(call: Call, name: str) -> str:
    """A reply for a name the gazetteer does not know, with close matches."""
    places = gazetteer()
    hints = places.suggest(name)
    if not hints and " " in name:
        hints = places.suggest(name.split()[0])
    if hints:
        names = []
        for hint in hints:
            region_id = places.resolve(hint)
            region = places.get(region_id) if region_id else None
            names.append(region.name(call.locale) if region else hint)
        return call.tr._(
            "Unknown region “{name}”. Did you mean: {hints}?", name=name, hints=", ".join(names)
        )
    return call.tr._(
        "Unknown region “{name}”. Use a region name such as Kyiv, Odesa oblast or Lviv.", name=name
    )


def one_region(call: Call, words: list[str]) -> str | None:
    """At most one region from the words; several are a user error."""
    if not words:
        return None
    found = parse_regions(call, words)
    if len(found) > 1:
        raise ArgsError(call.tr._("Name one region at a time."))
    return found[0]
