"""The cluster's tables and sessions on PostgreSQL: instances, rate_budgets, processed_updates, leader lock, NOTIFY.

The tables and the outbox trigger come from migration 0009.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg

from storage.coordination import CoordinationError, Instance
from storage.postgres.database import command_count

# the lock's two keys: strikebot's leader, per schema (stores in other schemas elect their own)
_LOCK_KEYS = "hashtext('strikebot-leader'), hashtext(current_schema())"
# the channel the deliveries trigger notifies, with the schema as payload
OUTBOX_CHANNEL = "strikebot_outbox"

# How long a step may wait on a network that neither answers nor closes before it fails
# (CoordinationError) and its connection is dropped. Reserving rate slots is on the send
# path, under the limiter's lock: after this long the instance paces itself alone.
RATE_SLOTS_TIMEOUT = 2.0
# the other row operations (instance rows, update claims, tidying): a few milliseconds each
ROWS_TIMEOUT = 5.0
# a new connection of the pool: TCP, TLS and authentication
CONNECT_TIMEOUT = 5.0

_INSTANCES_SQL = (
    "SELECT id, role, host, pid, started_at, last_seen, "
    "last_seen > now() - make_interval(secs => $1) AS alive "
    "FROM instances ORDER BY (role = 'leader' AND last_seen > now() - make_interval(secs => $1)) DESC, "
    "last_seen DESC, id"
)


@contextlib.contextmanager
def _driver_errors() -> Iterator[None]:
    # the callers retry on the next beat; they need the reason, not the driver's type
    try:
        yield
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise CoordinationError(str(exc)) from exc
    except TimeoutError as exc:
        raise CoordinationError("PostgreSQL did not answer in time") from exc


async def _instances(con: asyncpg.Pool | asyncpg.Connection, alive_within: float) -> list[Instance]:
    rows = await con.fetch(_INSTANCES_SQL, alive_within)
    return [
        Instance(r["id"], r["role"], r["host"], r["pid"], r["started_at"], r["last_seen"], r["alive"]) for r in rows
    ]


async def read_instances(url: str, alive_within: float) -> list[Instance]:
    """The instances table read on a connection of its own; none before migration 0009."""
    con = await asyncpg.connect(url, timeout=10, command_timeout=10)
    try:
        return await _instances(con, alive_within)
    except asyncpg.UndefinedTableError:
        return []
    finally:
        await con.close()


class PostgresLeaderSession:
    """A connection that tries and holds the session advisory lock of strikebot's leader."""

    def __init__(self, con: asyncpg.Connection) -> None:
        self._con = con

    async def try_lead(self, timeout: float) -> bool:
        """Take the lock if free (pg_try_advisory_lock); whether it is held now."""
        with _driver_errors():
            return bool(await self._con.fetchval(f"SELECT pg_try_advisory_lock({_LOCK_KEYS})", timeout=timeout))

    async def heartbeat(self, timeout: float) -> None:
        """One round trip within `timeout` seconds."""
        with _driver_errors():
            await self._con.fetchval("SELECT 1", timeout=timeout)

    def end(self) -> None:
        """Terminate the connection rather than wait for a dead server; the lock is freed with the session."""
        self._con.terminate()


class PostgresOutboxWatch:
    """A connection listening on the outbox channel."""

    def __init__(self, con: asyncpg.Connection) -> None:
        self._con = con

    async def check(self, timeout: float) -> None:
        """One round trip within `timeout` seconds."""
        with _driver_errors():
            await self._con.fetchval("SELECT 1", timeout=timeout)

    def end(self) -> None:
        """Terminate the connection."""
        self._con.terminate()


def _for_schema(schema: str, wake: Callable[[], None]) -> Callable[[object, int, str, str], None]:
    def on_notify(_con: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == schema:
            wake()

    return on_notify


class PostgresCoordination:
    """The cluster's rows through a small pool of its own (not the store's); sessions on connections of their own."""

    def __init__(
        self,
        url: str,
        *,
        slots_timeout: float = RATE_SLOTS_TIMEOUT,
        rows_timeout: float = ROWS_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        """Each step ends within its bound in seconds (CoordinationError), however the network fails."""
        self._url = url
        self._slots_timeout = slots_timeout
        self._rows_timeout = rows_timeout
        self._connect_timeout = connect_timeout
        self._pool: asyncpg.Pool | None = None

    @property
    def _rows(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the coordination store is not open")
        return self._pool

    async def open(self) -> None:
        """Open the pool (1 to 4 connections)."""
        self._pool = await asyncpg.create_pool(
            self._url,
            min_size=1,
            max_size=4,
            timeout=self._connect_timeout,
            command_timeout=self._rows_timeout,
        )

    async def close(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @contextlib.asynccontextmanager
    async def _step(self, within: float) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for one step that ends within `within` seconds, connecting included.

        A connection that did not answer in time is dropped, not handed back to wait for its
        query's cancellation (which a frozen network would not deliver either).
        """
        with _driver_errors():
            async with asyncio.timeout(within), self._rows.acquire() as con:
                try:
                    yield con
                except (TimeoutError, asyncio.CancelledError):
                    con.terminate()
                    raise

    async def record_instance(self, instance_id: str, role: str, host: str, pid: int) -> None:
        """Insert or refresh the instance's row (role and last_seen)."""
        async with self._step(self._rows_timeout) as con:
            await con.execute(
                "INSERT INTO instances (id, role, host, pid) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (id) DO UPDATE SET role = excluded.role, last_seen = now()",
                instance_id,
                role,
                host,
                pid,
            )

    async def remove_instance(self, instance_id: str) -> None:
        """Delete the instance's row."""
        async with self._step(self._rows_timeout) as con:
            await con.execute("DELETE FROM instances WHERE id = $1", instance_id)

    async def forget_instances(self, gone_for: float) -> int:
        """Delete rows last seen more than `gone_for` seconds ago; how many."""
        async with self._step(self._rows_timeout) as con:
            status = await con.execute(
                "DELETE FROM instances WHERE last_seen < now() - make_interval(secs => $1)", gone_for
            )
        return command_count(status)

    async def list_instances(self, alive_within: float) -> list[Instance]:
        """Every instance, the live leader first."""
        async with self._step(self._rows_timeout) as con:
            return await _instances(con, alive_within)

    async def take_rate_slots(self, bucket: str, count: int, interval: float) -> float:
        """Move the bucket's next free slot forward in one UPDATE (atomic: no slot is given twice)."""
        async with self._step(self._slots_timeout) as con:
            await con.execute("INSERT INTO rate_budgets (bucket) VALUES ($1) ON CONFLICT DO NOTHING", bucket)
            first = await con.fetchval(
                "UPDATE rate_budgets "
                "SET next_free = greatest(next_free, extract(epoch FROM clock_timestamp())) + $2 "
                "WHERE bucket = $1 RETURNING next_free - $2",
                bucket,
                count * interval,
            )
        return float(first)

    async def pause_rate_slots(self, bucket: str, seconds: float) -> float:
        """Move the bucket's next free slot to at least the database's now plus `seconds` in one statement."""
        # one upsert, atomic with every take_rate_slots: a reservation made after it starts at the pause's end
        async with self._step(self._slots_timeout) as con:
            until = await con.fetchval(
                "INSERT INTO rate_budgets AS b (bucket, next_free) "
                "VALUES ($1, extract(epoch FROM clock_timestamp()) + $2) "
                "ON CONFLICT (bucket) DO UPDATE SET next_free = greatest(b.next_free, excluded.next_free) "
                "RETURNING next_free",
                bucket,
                seconds,
            )
        return float(until)

    async def claim_update(self, platform: str, update_id: int) -> bool:
        """True for the one caller whose insert created the row."""
        async with self._step(self._rows_timeout) as con:
            claimed = await con.fetchval(
                "INSERT INTO processed_updates (platform, update_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING RETURNING true",
                platform,
                update_id,
            )
        return bool(claimed)

    async def forget_updates(self, older_than: float) -> int:
        """Delete claims older than `older_than` seconds; how many."""
        async with self._step(self._rows_timeout) as con:
            status = await con.execute(
                "DELETE FROM processed_updates WHERE seen_at < now() - make_interval(secs => $1)", older_than
            )
        return command_count(status)

    async def lead(self, *, connect_timeout: float, idle_timeout: float) -> PostgresLeaderSession:
        """Connect, and have the server end the session when it is idle for `idle_timeout` seconds."""
        with _driver_errors():
            con = await asyncpg.connect(self._url, timeout=connect_timeout, command_timeout=connect_timeout)
        try:
            # a leader that stops answering loses its session (and the lock) on the server's side too
            with _driver_errors(), contextlib.suppress(asyncpg.PostgresError):
                await con.execute(f"SET idle_session_timeout = {int(idle_timeout * 1000)}")
        except BaseException:
            con.terminate()
            raise
        return PostgresLeaderSession(con)

    async def listen_outbox(self, wake: Callable[[], None], *, connect_timeout: float) -> PostgresOutboxWatch:
        """Connect and LISTEN; notifications from other schemas are ignored."""
        with _driver_errors():
            con = await asyncpg.connect(self._url, timeout=connect_timeout, command_timeout=connect_timeout)
        try:
            with _driver_errors():
                schema = await con.fetchval("SELECT current_schema()")
                await con.add_listener(OUTBOX_CHANNEL, _for_schema(str(schema), wake))
        except BaseException:
            con.terminate()
            raise
        return PostgresOutboxWatch(con)
