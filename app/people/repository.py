"""SQL for people, their memberships and organisations."""

from collections.abc import Collection, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Role
from app.kit.email import stored_form
from app.models import Membership, Organisation, Person

# Built once: the signing check runs this on every post written, and building the statement
# (and its cache key) costs more than running it.
_MEMBER = (
    select(Person, Membership)
    .join(Membership, Membership.person_id == Person.id)
    .where(Person.id == bindparam("person_id"), Membership.organisation_id == bindparam("org_id"))
)


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, person_id: int
) -> tuple[Person, Membership] | None:
    row = (
        await session.execute(_MEMBER, {"person_id": person_id, "org_id": organisation_id})
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


async def names_of(
    session: AsyncSession, organisation_id: int, person_ids: Collection[int]
) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.organisation_id == organisation_id, Person.id.in_(person_ids))
    )
    return {person_id: full_name for person_id, full_name in rows}


_PEOPLE = cast(Table, Person.__table__)
# Built once: the dispatcher asks on every claim.
_EMAILS = select(_PEOPLE.c.id, _PEOPLE.c.email).where(
    _PEOPLE.c.id.in_(bindparam("ids", expanding=True))
)


async def emails_of(session: AsyncSession, person_ids: Collection[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = await session.execute(_EMAILS, {"ids": list(set(person_ids))})
    return {person_id: email for person_id, email in rows}


async def other_owners(session: AsyncSession, organisation_id: int, person_id: int) -> int:
    """Owners of the organisation other than `person_id` with no departure, past or planned."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == Role.OWNER,
                Membership.left_at.is_(None),
                Membership.person_id != person_id,
            )
        )
        or 0
    )


async def email_exists(session: AsyncSession, email: str) -> bool:
    return (
        await session.scalar(select(Person.id).where(Person.email == stored_form(email)))
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
