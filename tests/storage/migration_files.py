"""The migration files the store ships, per backend."""

from __future__ import annotations

from importlib import resources


def latest_version(backend: str) -> int:
    folder = resources.files("storage").joinpath("migrations", backend)
    return max(int(entry.name.split("_", 1)[0]) for entry in folder.iterdir() if entry.name.endswith(".sql"))
