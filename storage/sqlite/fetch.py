"""Reading rows in one hop to aiosqlite's thread.

`async with con.execute(...) as cur: await cur.fetchone()` is three hops (execute,
fetch, close), and each hop waits for a turn of the event loop to come back: on a
loop busy with a fan-out, 1–3 ms each, while the connection (and every result
write queued behind it) waits. `execute_fetchall` is one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import aiosqlite


async def first_row(
    con: aiosqlite.Connection, sql: str, parameters: Iterable[Any] | dict[str, Any] = ()
) -> sqlite3.Row | None:
    """The statement's first row (None without one), read in one hop; the statement runs to its end."""
    rows = await con.execute_fetchall(sql, parameters)
    return next(iter(rows), None)
