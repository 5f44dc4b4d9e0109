"""Claims and leases: the SQL that takes due deliveries, keeps them, and gives them back.

PostgreSQL: a materialised CTE selects due rows FOR UPDATE SKIP LOCKED, feeding UPDATE … RETURNING,
so concurrent workers take disjoint batches without waiting on each other. SQLite: BEGIN IMMEDIATE
(see app.db) takes the write lock first, then the same UPDATE … RETURNING.

A claimed delivery moves to `publishing` (an `unknown` one stays `unknown`: its claim is for a
reconciliation, never a blind publish), gets a lease and a fresh claim token shared by its batch.
Every later write about it names that token; a write whose token no longer matches does nothing.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.models import Delivery
from app.posts.states import DeliveryStatus

_S = DeliveryStatus


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    token: str
    post_id: int = 0
    status: DeliveryStatus = _S.PUBLISHING
    """`publishing` (publish it) or `unknown` (find out whether it went out)."""
    attempts: int = 1


def _waiting(now: datetime) -> ColumnElement[bool]:
    # An unknown outcome whose reconciling worker vanished is claimable again once its lease ends.
    # Written as `status IN (…)` first so that the (status, due_at) index serves the query.
    return and_(
        Delivery.status.in_((_S.SCHEDULED, _S.RETRYING, _S.UNKNOWN)),
        or_(
            Delivery.status != _S.UNKNOWN,
            Delivery.lease_expires_at.is_(None),
            Delivery.lease_expires_at < now,
        ),
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(_waiting(now), Delivery.due_at <= now)


async def claim_due(
    session: AsyncSession, *, worker_id: str, now: datetime, limit: int, lease: timedelta
) -> list[Claim]:
    """Claim up to `limit` due deliveries inside the caller's (short) transaction."""
    token = uuid.uuid4().hex
    due = (
        select(Delivery.id)
        .where(_claimable(now))
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    values = {
        "status": case((Delivery.status == _S.UNKNOWN, _S.UNKNOWN), else_=_S.PUBLISHING),
        "claimed_by": worker_id,
        "claim_token": token,
        "lease_expires_at": now + lease,
        "attempts": case(
            (Delivery.status == _S.UNKNOWN, Delivery.attempts), else_=Delivery.attempts + 1
        ),
        "updated_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        locked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        statement = update(Delivery).where(Delivery.id == locked.c.id)
    else:
        statement = update(Delivery).where(Delivery.id.in_(due.scalar_subquery()))
    statement = statement.values(**values).returning(
        Delivery.id, Delivery.post_id, Delivery.status, Delivery.attempts
    )
    rows = (
        await session.execute(statement, execution_options={"synchronize_session": False})
    ).all()
    return sorted(
        (Claim(row.id, token, row.post_id, _S(row.status), row.attempts) for row in rows),
        key=lambda claim: claim.delivery_id,
    )


async def next_due_at(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next claimable delivery falls due (maybe already), or None if nothing waits."""
    return await session.scalar(select(func.min(Delivery.due_at)).where(_waiting(now)))


def _held_by(claims: Sequence[Claim]) -> ColumnElement[bool]:
    return and_(
        Delivery.id.in_([claim.delivery_id for claim in claims]),
        Delivery.claim_token.in_({claim.token for claim in claims}),
    )


async def extend_leases(
    session: AsyncSession, claims: Sequence[Claim], *, now: datetime, lease: timedelta
) -> int:
    """A live worker keeps what it is still working on."""
    if not claims:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(_held_by(claims), Delivery.status.in_((_S.PUBLISHING, _S.UNKNOWN)))
        .values(lease_expires_at=now + lease),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release(
    session: AsyncSession, claims: Sequence[Claim], *, now: datetime
) -> list[tuple[int, int]]:
    """Give back claims whose connector call never started: publishing → scheduled, the attempt
    not counted; an unknown outcome simply loses its lease. Returns (delivery id, post id) of the
    deliveries that went back to scheduled."""
    if not claims:
        return []
    clear = {"claim_token": None, "lease_expires_at": None, "updated_at": now}
    await session.execute(
        update(Delivery).where(_held_by(claims), Delivery.status == _S.UNKNOWN).values(**clear),
        execution_options={"synchronize_session": False},
    )
    rows = await session.execute(
        update(Delivery)
        .where(_held_by(claims), Delivery.status == _S.PUBLISHING)
        .values(status=_S.SCHEDULED, attempts=Delivery.attempts - 1, **clear)
        .returning(Delivery.id, Delivery.post_id),
        execution_options={"synchronize_session": False},
    )
    return [(row.id, row.post_id) for row in rows]


async def expire_leases(
    session: AsyncSession, *, now: datetime, reason: str
) -> list[tuple[int, int]]:
    """The reaper's step: a `publishing` delivery whose lease ran out may have gone out, so it
    becomes `unknown` (to be reconciled, never blindly retried). Idempotent: a second run finds
    nothing. Returns (delivery id, post id) of what it turned."""
    rows = await session.execute(
        update(Delivery)
        .where(Delivery.status == _S.PUBLISHING, Delivery.lease_expires_at < now)
        .values(
            status=_S.UNKNOWN,
            claim_token=None,
            lease_expires_at=None,
            due_at=now,
            last_error=reason,
            updated_at=now,
        )
        .returning(Delivery.id, Delivery.post_id),
        execution_options={"synchronize_session": False},
    )
    return [(row.id, row.post_id) for row in rows]
