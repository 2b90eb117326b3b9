"""The instances as operators see them: `strikebot status` (text and JSON) and the /metrics gauges."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.cluster.instances import ALIVE_SECONDS, leader_of
from storage import coordination
from storage.coordination import Instance


async def read_instances(database_url: str) -> list[Instance]:
    """The instances table of a PostgreSQL database; none for SQLite (one instance) or before migration 0009."""
    return await coordination.read_instances(database_url, ALIVE_SECONDS)


def instances_text(instances: Sequence[Instance], now: datetime) -> list[str]:
    """Lines for `strikebot status`: the leader, then each instance with its role and when it was last seen."""
    if not instances:
        return []
    leader = leader_of(list(instances))
    lines = [f"Leader:          {leader.id if leader else 'none (an election is under way)'}", "Instances:"]
    for instance in instances:
        age = max(0.0, (now - instance.last_seen).total_seconds())
        state = instance.role if instance.alive else "gone"
        lines.append(f"  {instance.id}  {state:<8}  last seen {age:,.0f} s ago")
    return lines


def instance_dicts(instances: Iterable[Instance]) -> list[dict[str, Any]]:
    """The instances for `strikebot status --json`."""
    return [
        {
            "id": i.id,
            "role": i.role if i.alive else "gone",
            "host": i.host,
            "pid": i.pid,
            "started_at": i.started_at.isoformat(),
            "last_seen": i.last_seen.isoformat(),
        }
        for i in instances
    ]


class InstancesCollector(Collector):
    """/metrics: this instance's role and every instance's last heartbeat, from the cluster's last look."""

    def __init__(self, instance_id: str, role: Callable[[], str], seen: Callable[[], Sequence[Instance]]) -> None:
        """`role()` is this instance's role now; `seen()` the instances as last read (no query at scrape time)."""
        self._id = instance_id
        self._role = role
        self._seen = seen

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """strikebot_leader (1 on the leader) and strikebot_instance_last_seen_seconds per instance and role."""
        leader = GaugeMetricFamily(
            "strikebot_leader", "1 when this instance is the leader (polls Telegram, keeps the Discord gateway).",
            labels=["instance"],
        )
        leader.add_metric([self._id], 1.0 if self._role() == "leader" else 0.0)
        yield leader
        seen = GaugeMetricFamily(
            "strikebot_instance_last_seen_seconds",
            "When each instance on the database last wrote its heartbeat (Unix time), by role.",
            labels=["instance", "role"],
        )
        for instance in self._seen():
            seen.add_metric([instance.id, instance.role if instance.alive else "gone"], instance.last_seen.timestamp())
        yield seen
        alive = GaugeMetricFamily("strikebot_instances_alive", "Instances that wrote a heartbeat within the last 30 s.")
        alive.add_metric([], float(sum(1 for i in self._seen() if i.alive)))
        yield alive
