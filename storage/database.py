"""The seam between the shared flows and a backend's connections."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

C_co = TypeVar("C_co", covariant=True)


class Database(Protocol[C_co]):
    """A backend's connection owner: every flow borrows a connection for one transaction, one write statement or one read.

    Database errors inside either come out as StoreError, whatever the backend.
    """

    async def open(self) -> None:
        """Connect and apply pending migrations."""
        ...

    async def close(self) -> None:
        """Let go of every connection."""
        ...

    def tx(self) -> AbstractAsyncContextManager[C_co]:
        """A connection inside a write transaction: committed on success, rolled back on any error."""
        ...

    def statement(self) -> AbstractAsyncContextManager[C_co]:
        """A connection for a write that is one statement (or a call its backend makes atomic): no transaction around it."""
        ...

    def read(self) -> AbstractAsyncContextManager[C_co]:
        """A connection for reads."""
        ...

    async def ping(self) -> None:
        """Raise when the database does not answer; StoreUnavailable when it cannot write."""
        ...

    async def schema_version(self) -> int:
        """The highest migration applied."""
        ...
