"""The numbers an operator watches, in Prometheus' format.

Two kinds:
* what this process saw (prometheus_client's default registry): publish lateness, connector calls
  with their duration, claims per batch. Every process that dispatches keeps its own; `byline serve`
  shows them at /metrics, `byline worker` on `BYLINE_METRICS_PORT`.
* what the database holds, read at each scrape of the API's /metrics (`QueueSnapshot`): deliveries
  by status, the due backlog and its age, live workers. Any API process answers for the whole queue.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

publish_lateness = Histogram(
    "byline_publish_lateness_seconds",
    "Time from a post's scheduled time to its publication on a channel.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 7200),
)
connector_calls = Counter(
    "byline_connector_calls_total",
    "Connector calls, by channel kind, operation (publish or reconcile) and outcome.",
    ["kind", "operation", "outcome"],
)
connector_call_duration = Histogram(
    "byline_connector_call_duration_seconds",
    "How long connector calls took, by channel kind and operation.",
    ["kind", "operation"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
claim_batch_size = Histogram(
    "byline_dispatch_claim_batch_size",
    "Deliveries taken per claim transaction (claims that found nothing are not counted).",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)


loop_timestamp = Gauge(
    "byline_worker_loop_timestamp_seconds",
    "When this process's dispatch loop last went round (Unix time); a stale value means the "
    "loop is stuck even if the process answers.",
)


@dataclass(frozen=True)
class QueueSnapshot:
    deliveries_by_status: dict[str, int] = field(default_factory=dict)
    due_backlog: int = 0
    due_backlog_age_seconds: float = 0.0
    """How long the oldest due delivery has waited (0 when nothing waits)."""
    live_workers: int = 0


class _SnapshotCollector(Collector):
    def __init__(self, snapshot: QueueSnapshot, statuses: list[str]) -> None:
        self.snapshot = snapshot
        self.statuses = statuses

    def collect(self) -> Iterator[Metric]:
        by_status = GaugeMetricFamily(
            "byline_deliveries", "Deliveries in the database, by status.", labels=["status"]
        )
        for status in self.statuses:
            by_status.add_metric([status], self.snapshot.deliveries_by_status.get(status, 0))
        yield by_status
        yield GaugeMetricFamily(
            "byline_due_backlog",
            "Deliveries due now that no worker has taken yet.",
            value=self.snapshot.due_backlog,
        )
        yield GaugeMetricFamily(
            "byline_due_backlog_age_seconds",
            "How long the oldest due delivery has waited (0 when none waits).",
            value=self.snapshot.due_backlog_age_seconds,
        )
        yield GaugeMetricFamily(
            "byline_live_workers",
            "Dispatcher processes whose heartbeat is fresher than the lease.",
            value=self.snapshot.live_workers,
        )


class _DatabaseUp(Collector):
    def __init__(self, up: bool) -> None:
        self.up = up

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "byline_database_up", "1 when the database answered this scrape.", value=int(self.up)
        )


def exposition(snapshot: QueueSnapshot | None, statuses: list[str]) -> bytes:
    """This process's metrics, then the queue's (None: the database did not answer)."""
    registry = CollectorRegistry()
    registry.register(_DatabaseUp(snapshot is not None))
    if snapshot is not None:
        registry.register(_SnapshotCollector(snapshot, statuses))
    return generate_latest(REGISTRY) + generate_latest(registry)
