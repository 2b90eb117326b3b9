"""The instances sharing the database, as /status shows them (several `strikebot run` on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from handlers.i18n import translator


class InstanceView(Protocol):
    """One instance as the bot layer reports it."""

    @property
    def id(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def last_seen(self) -> datetime: ...

    @property
    def alive(self) -> bool: ...


def instance_fields(instances: Sequence[InstanceView], locale: str, now: datetime) -> list[tuple[str, str]]:
    """The leader, then one field per instance: its role and how long ago it was last seen."""
    if not instances:
        return []
    tr = translator(locale)
    leader = next((i for i in instances if i.alive and i.role == "leader"), None)
    fields = [(tr._("Leader"), leader.id if leader else tr._("none (an election is under way)"))]
    for instance in instances:
        seconds = tr.number(max(0, round((now - instance.last_seen).total_seconds())))
        if not instance.alive:
            state = tr._("gone, last seen {seconds} s ago", seconds=seconds)
        elif instance.role == "leader":
            state = tr._("leader, seen {seconds} s ago", seconds=seconds)
        else:
            state = tr._("follower, seen {seconds} s ago", seconds=seconds)
        fields.append((tr._("Instance {id}", id=instance.id), state))
    return fields
