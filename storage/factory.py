"""Open a store from a database URL."""

from __future__ import annotations

from storage.errors import StoreError
from storage.fanout import FIRST_CHUNK
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


def open_store(url: str, *, first_chunk: int = FIRST_CHUNK) -> Store:
    """A store for the URL (not yet opened: use `async with`); `first_chunk`: sends queued inside an ingest."""
    if url.startswith("sqlite:"):
        from storage.sqlite import SqliteStore

        return SqliteStore(sqlite_path(url), first_chunk=first_chunk)
    if url.startswith(("postgres://", "postgresql://")):
        from storage.postgres import PostgresStore

        return PostgresStore(url, first_chunk=first_chunk)
    raise StoreError(f"unsupported database URL scheme: {url.split(':', 1)[0]!r} (use sqlite:/// or postgresql://)")
