"""SQL for engagements."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Client, Engagement, Membership, Person

OPEN_STATUSES = ("proposed", "accepted")


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, engagement_id: int
) -> Engagement | None:
    return await session.scalar(
        select(Engagement)
        .join(Client, Client.id == Engagement.client_id)
        .where(Engagement.id == engagement_id, Client.organisation_id == organisation_id)
    )


async def get(session: AsyncSession, engagement_id: int) -> Engagement | None:
    return await session.get(Engagement, engagement_id)


async def open_for(session: AsyncSession, client_id: int, person_id: int) -> Engagement | None:
    return await session.scalar(
        select(Engagement).where(
            Engagement.client_id == client_id,
            Engagement.person_id == person_id,
            Engagement.status.in_(OPEN_STATUSES),
        )
    )


# Built once: the signing check runs it on every post written.
_ACCEPTED = select(Engagement).where(
    Engagement.client_id == bindparam("client_id"),
    Engagement.person_id == bindparam("person_id"),
    Engagement.status == "accepted",
)


async def accepted_for(session: AsyncSession, client_id: int, person_id: int) -> Engagement | None:
    return await session.scalar(_ACCEPTED, {"client_id": client_id, "person_id": person_id})


async def list_in_organisation(
    session: AsyncSession,
    organisation_id: int,
    *,
    person_id: int | None = None,
    client_id: int | None = None,
    status: str | None = None,
) -> Sequence[Engagement]:
    query = (
        select(Engagement)
        .join(Client, Client.id == Engagement.client_id)
        .where(Client.organisation_id == organisation_id)
        .order_by(Engagement.id)
    )
    if person_id is not None:
        query = query.where(Engagement.person_id == person_id)
    if client_id is not None:
        query = query.where(Engagement.client_id == client_id)
    if status is not None:
        query = query.where(Engagement.status == status)
    return (await session.scalars(query)).all()


async def add(session: AsyncSession, engagement: Engagement) -> Engagement:
    session.add(engagement)
    await session.flush()
    return engagement


async def voices_of(
    session: AsyncSession, client_id: int
) -> Sequence[tuple[Engagement, Person, Membership]]:
    """Engagements that were accepted at some point, with the person and their membership."""
    rows = await session.execute(
        select(Engagement, Person, Membership)
        .join(Person, Person.id == Engagement.person_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Engagement.client_id == client_id,
            Engagement.responded_at.is_not(None),
            Engagement.status.in_(("accepted", "ended")),
        )
        .order_by(Engagement.responded_at)
    )
    return [(row[0], row[1], row[2]) for row in rows]
