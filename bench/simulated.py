"""A simulated destination for the benchmark: latency, faults, and a record of what went out.

Bench code only: registered by passing `connectors={...}` to build_state, never offered to users.
"""

import asyncio
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import ClassVar

from connectors.base import (
    ChannelContext,
    Connector,
    OutgoingPost,
    PublishResult,
    TransientError,
    UnknownOutcome,
)


@dataclass
class Faults:
    transient: float = 0.0
    """Share of calls refused before sending (503)."""
    timeouts: float = 0.0
    """Share of calls that went out but whose answer was lost (a timeout after sending)."""
    rate_limited: float = 0.0
    """Share of calls refused with 429 and a Retry-After."""
    retry_after: float = 5.0

    def draw(self, rng: random.Random) -> str | None:
        roll = rng.random()
        for name, share in (
            ("transient", self.transient),
            ("timeout", self.timeouts),
            ("rate_limited", self.rate_limited),
        ):
            if roll < share:
                return name
            roll -= share
        return None


@dataclass
class Destination:
    """What reached the destination: post key → wall-clock times it went out (after latency)."""

    latency: float
    faults: Faults
    seed: int = 7
    published: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def fault(self) -> str | None:
        with self._lock:
            self.calls += 1
            return self.faults.draw(self._rng)

    def store(self, key: str) -> None:
        with self._lock:
            self.published[key].append(time.time())


class SimulatedConnector(Connector):
    name = "simulated"
    label = "Simulated destination (benchmark)"
    destination: ClassVar[Destination]

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        destination = self.destination
        fault = destination.fault()
        await asyncio.sleep(destination.latency)
        if fault == "transient":
            raise TransientError("the service is busy (503)")
        if fault == "rate_limited":
            raise TransientError("too many requests (429)", retry_after=destination.faults.retry_after)
        destination.store(post.idempotency_key)
        if fault == "timeout":
            raise UnknownOutcome("no answer after sending")
        return PublishResult(external_id=post.idempotency_key)

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        await asyncio.sleep(self.destination.latency)
        if self.destination.published.get(post.idempotency_key):
            return PublishResult(external_id=post.idempotency_key)
        return None


def simulated(destination: Destination) -> type[Connector]:
    return type("Simulated", (SimulatedConnector,), {"destination": destination})
