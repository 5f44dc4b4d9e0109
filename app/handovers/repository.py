"""SQL for handovers."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Handover

OPEN = ("proposed", "accepted")


async def add(session: AsyncSession, handover: Handover) -> Handover:
    session.add(handover)
    await session.flush()
    return handover


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, handover_id: int, *, lock: bool = False
) -> Handover | None:
    query = select(Handover).where(
        Handover.id == handover_id, Handover.organisation_id == organisation_id
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def open_for(session: AsyncSession, client_id: int, outgoing_id: int) -> Handover | None:
    return await session.scalar(
        select(Handover).where(
            Handover.client_id == client_id,
            Handover.outgoing_person_id == outgoing_id,
            Handover.status.in_(OPEN),
        )
    )


async def list_in_organisation(
    session: AsyncSession,
    organisation_id: int,
    *,
    person_id: int | None,
    client_id: int | None,
    status: str | None,
) -> Sequence[Handover]:
    query = (
        select(Handover)
        .where(Handover.organisation_id == organisation_id)
        .order_by(Handover.effective_at, Handover.id)
    )
    if person_id is not None:
        query = query.where(
            (Handover.incoming_person_id == person_id) | (Handover.outgoing_person_id == person_id)
        )
    if client_id is not None:
        query = query.where(Handover.client_id == client_id)
    if status is not None:
        query = query.where(Handover.status == status)
    return (await session.scalars(query)).all()


async def effective_of_client(session: AsyncSession, client_id: int) -> Sequence[Handover]:
    return (
        await session.scalars(
            select(Handover)
            .where(Handover.client_id == client_id, Handover.status == "effective")
            .order_by(Handover.took_effect_at.desc(), Handover.id.desc())
        )
    ).all()


async def due_ids(session: AsyncSession, now: datetime) -> list[int]:
    """Accepted handovers whose effective time has come."""
    return list(
        (
            await session.scalars(
                select(Handover.id)
                .where(Handover.status == "accepted", Handover.effective_at <= now)
                .order_by(Handover.effective_at, Handover.id)
            )
        ).all()
    )


async def move(
    session: AsyncSession, handover_id: int, old: Sequence[str], values: dict[str, Any]
) -> bool:
    """Write `values` only while the handover is still in one of `old`: of two workers (or a
    worker and a person cancelling) changing the same handover at once, one wins."""
    result = await session.execute(
        update(Handover)
        .where(Handover.id == handover_id, Handover.status.in_(old))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
