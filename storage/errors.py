"""Errors raised by storage."""


class StoreError(Exception):
    """The store could not do what was asked."""


class NotFound(StoreError):
    """No row with that id."""
