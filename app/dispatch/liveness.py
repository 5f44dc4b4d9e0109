"""Worker heartbeats and the lease reaper.

A worker's heartbeat records that it is alive and extends the leases of what it is working on, so
a lease runs out only when its worker stopped answering (killed, frozen, cut off). The reaper,
which any process may run at any time (it is idempotent), turns a `publishing` delivery whose
lease ran out into an `unknown` outcome: the call may have gone out, so it is reconciled, never
blindly retried.
"""

import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta

from app.db import SessionFactory, unit_of_work
from app.deliveries import service as deliveries
from app.deliveries.service import Claim

REAPED = "the worker publishing it stopped answering; checking whether it went out"


async def heartbeat(
    factory: SessionFactory,
    worker_id: str,
    held: Sequence[Claim],
    *,
    now: datetime,
    lease: timedelta,
) -> None:
    async with unit_of_work(factory) as session:
        await deliveries.extend_leases(session, held, now=now, lease=lease)
        await deliveries.heartbeat(
            session,
            worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            in_flight=len(held),
            now=now,
        )


async def stopped(factory: SessionFactory, worker_id: str, *, now: datetime) -> None:
    async with unit_of_work(factory) as session:
        await deliveries.worker_stopped(session, worker_id, now=now)


async def reap(factory: SessionFactory, *, now: datetime) -> int:
    """Turn expired leases into unknown outcomes; returns how many."""
    async with unit_of_work(factory) as session:
        return await deliveries.expire_leases(session, now=now, reason=REAPED)


async def release(
    factory: SessionFactory, held: Sequence[Claim], *, now: datetime, worker_id: str
) -> int:
    """Give back claims whose call never started (a stopping worker)."""
    async with unit_of_work(factory) as session:
        return await deliveries.release(session, held, now=now, worker_id=worker_id)
