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

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionFactory, unit_of_work
from app.dispatch import claims, outcomes
from app.dispatch.claims import Claim
from app.models import Worker
from app.posts.states import DeliveryStatus

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
        await claims.extend_leases(session, held, now=now, lease=lease)
        worker = await session.get(Worker, worker_id)
        if worker is None:
            session.add(
                Worker(
                    id=worker_id,
                    hostname=socket.gethostname()[:255],
                    pid=os.getpid(),
                    started_at=now,
                    heartbeat_at=now,
                    in_flight=len(held),
                )
            )
        else:
            worker.heartbeat_at = now
            worker.in_flight = len(held)


async def stopped(factory: SessionFactory, worker_id: str, *, now: datetime) -> None:
    async with unit_of_work(factory) as session:
        await session.execute(
            update(Worker).where(Worker.id == worker_id).values(stopped_at=now, in_flight=0)
        )


async def reap(factory: SessionFactory, *, now: datetime) -> int:
    """Turn expired leases into unknown outcomes; returns how many."""
    async with unit_of_work(factory) as session:
        turned = await claims.expire_leases(session, now=now, reason=REAPED)
        await _audit(session, turned, DeliveryStatus.PUBLISHING, DeliveryStatus.UNKNOWN, now, None)
    return len(turned)


async def release(
    factory: SessionFactory, held: Sequence[Claim], *, now: datetime, worker_id: str
) -> int:
    """Give back claims whose call never started (a stopping worker)."""
    async with unit_of_work(factory) as session:
        back = await claims.release(session, held, now=now)
        await _audit(
            session, back, DeliveryStatus.PUBLISHING, DeliveryStatus.SCHEDULED, now, worker_id
        )
    return len(back)


async def _audit(
    session: AsyncSession,
    changed: list[tuple[int, int]],
    old: DeliveryStatus,
    new: DeliveryStatus,
    now: datetime,
    worker_id: str | None,
) -> None:
    if not changed:
        return
    organisations = await outcomes.organisations_of(session, (post for _, post in changed))
    for delivery_id, post_id in changed:
        outcomes.audit_transition(
            session,
            organisation_id=organisations.get(post_id),
            delivery_id=delivery_id,
            post_id=post_id,
            old=old,
            new=new,
            at=now,
            worker_id=worker_id,
        )
    await outcomes.refresh_posts(session, (post for _, post in changed), now)
