"""SQL for people, memberships and API tokens."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiToken, Membership, Organisation, Person


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, person_id: int
) -> tuple[Person, Membership] | None:
    row = (
        await session.execute(
            select(Person, Membership)
            .join(Membership, Membership.person_id == Person.id)
            .where(Person.id == person_id, Membership.organisation_id == organisation_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def list_in_organisation(
    session: AsyncSession, organisation_id: int
) -> Sequence[tuple[Person, Membership]]:
    rows = await session.execute(
        select(Person, Membership)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Person.id)
    )
    return [(row[0], row[1]) for row in rows]


async def get_by_email(session: AsyncSession, email: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.email == email.lower()))


async def get_membership(session: AsyncSession, person_id: int) -> Membership | None:
    return await session.scalar(select(Membership).where(Membership.person_id == person_id))


async def email_exists(session: AsyncSession, email: str) -> bool:
    return (
        await session.scalar(select(Person.id).where(Person.email == email.lower()))
    ) is not None


async def add_person(session: AsyncSession, person: Person, membership: Membership) -> None:
    session.add(person)
    await session.flush()
    membership.person_id = person.id
    session.add(membership)
    await session.flush()


async def add_organisation(session: AsyncSession, organisation: Organisation) -> Organisation:
    session.add(organisation)
    await session.flush()
    return organisation


async def organisation_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Organisation)) or 0)


async def get_organisation(session: AsyncSession, organisation_id: int) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def add_token(session: AsyncSession, token: ApiToken) -> ApiToken:
    session.add(token)
    await session.flush()
    return token


async def active_token_by_hash(session: AsyncSession, token_hash: str) -> ApiToken | None:
    return await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    )


async def tokens_of(session: AsyncSession, person_id: int) -> Sequence[ApiToken]:
    result = await session.scalars(
        select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id)
    )
    return result.all()


async def touch_token(session: AsyncSession, token_id: int, at: datetime) -> None:
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))


async def revoke_tokens_of(session: AsyncSession, person_id: int, at: datetime) -> None:
    await session.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
