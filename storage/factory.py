"""Open a store from a database URL."""

from __future__ import annotations

from storage.errors import StoreError
from storage.protocol import Store


def sqlite_path(url: str) -> str:
    """`sqlite:///rel.db` → rel.db, `sqlite:////abs.db` → /abs.db, `sqlite://:memory:` → :memory:."""
    rest = url.removeprefix("sqlite:")
    if rest in ("", "//", "///:memory:", "//:memory:", ":memory:"):
        return ":memory:"
    if rest.startswith("///"):
        return rest[3:]
    if rest.startswith("//"):
        return rest[2:]
    return rest


def open_store(url: str) -> Store:
    """A store for the URL (not yet opened: use `async with`)."""
    if url.startswith("sqlite:"):
        from storage.sqlite import SqliteStore

        return SqliteStore(sqlite_path(url))
    if url.startswith(("postgres://", "postgresql://")):
        from storage.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"unsupported database URL scheme: {url.split(':', 1)[0]!r} (use sqlite:/// or postgresql://)")
