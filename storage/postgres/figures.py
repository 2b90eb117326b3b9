"""The outbox figures snapshot in PostgreSQL: one row, replaced by newer figures only."""

from __future__ import annotations

import asyncpg

from storage.outbox import OutboxFigures
from storage.timeutil import utc


class PostgresFigures:
    """Statements on the outbox_figures row."""

    async def load(self, con: asyncpg.Connection) -> OutboxFigures | None:
        """The stored snapshot, if any."""
        text = await con.fetchval("SELECT figures FROM outbox_figures WHERE id = 1")
        return OutboxFigures.model_validate_json(text) if text is not None else None

    async def save(self, con: asyncpg.Connection, figures: OutboxFigures) -> None:
        """Store `figures` unless the row already holds newer ones (another instance refreshed meanwhile)."""
        await con.execute(
            "INSERT INTO outbox_figures (id, taken_at, figures) VALUES (1, $1, $2) "
            "ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, figures = excluded.figures "
            "WHERE excluded.taken_at > outbox_figures.taken_at",
            utc(figures.taken_at),
            figures.model_dump_json(),
        )
