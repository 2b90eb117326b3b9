"""The outbox figures snapshot in SQLite: one row, replaced by newer figures only."""

from __future__ import annotations

import aiosqlite

from storage.outbox import OutboxFigures


class SqliteFigures:
    """Statements on the outbox_figures row."""

    async def load(self, con: aiosqlite.Connection) -> OutboxFigures | None:
        """The stored snapshot, if any."""
        rows = list(await con.execute_fetchall("SELECT figures FROM outbox_figures WHERE id = 1"))
        return OutboxFigures.model_validate_json(rows[0][0]) if rows else None

    async def save(self, con: aiosqlite.Connection, figures: OutboxFigures) -> None:
        """Store `figures` unless the row already holds newer ones (another process refreshed meanwhile)."""
        await con.execute(
            "INSERT INTO outbox_figures (id, taken_at, figures) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, figures = excluded.figures "
            "WHERE excluded.taken_at > outbox_figures.taken_at",
            (figures.taken_at.timestamp(), figures.model_dump_json()),
        )
