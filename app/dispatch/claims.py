"""Claiming due deliveries: one short transaction, a lease and a fresh claim token.

PostgreSQL: a materialised CTE selects due rows FOR UPDATE SKIP LOCKED, feeding UPDATE … RETURNING,
so concurrent workers take disjoint batches without waiting on each other. SQLite: BEGIN IMMEDIATE
takes the write lock first, then the same UPDATE … RETURNING.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Delivery
from app.posts.states import DeliveryStatus

CLAIMABLE = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    token: str


async def claim_due(
    engine: AsyncEngine, *, worker_id: str, now: datetime, limit: int, lease: timedelta
) -> list[Claim]:
    token = uuid.uuid4().hex
    due = (
        select(Delivery.id)
        .where(Delivery.status.in_(CLAIMABLE), Delivery.due_at <= now)
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    values = {
        "status": DeliveryStatus.PUBLISHING,
        "claimed_by": worker_id,
        "claim_token": token,
        "lease_expires_at": now + lease,
        "attempts": Delivery.attempts + 1,
        "updated_at": now,
    }
    if engine.dialect.name == "postgresql":
        locked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        statement = update(Delivery).where(Delivery.id == locked.c.id)
    else:
        statement = update(Delivery).where(Delivery.id.in_(due.scalar_subquery()))
    statement = statement.values(**values).returning(Delivery.id)
    async with engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE (see app.db)
        ids = (await connection.execute(statement)).scalars().all()
    return [Claim(delivery_id=delivery_id, token=token) for delivery_id in sorted(ids)]
