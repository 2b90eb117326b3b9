"""Errors raised by storage."""


class StoreError(Exception):
    """The store could not do what was asked."""


class NotFound(StoreError):
    """No row with that id."""


class ConnectionLost(StoreError):
    """The connection to the database broke mid-way; the work may be run again on a new one."""


class StoreUnavailable(StoreError):
    """The database cannot do the work now: its disk is full, an I/O error, it is read-only, or its file is gone."""
