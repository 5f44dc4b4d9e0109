"""SQL for logins and API tokens."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.email import stored_form
from app.models import ApiToken, Membership, Person


async def get_by_email(session: AsyncSession, email: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.email == stored_form(email)))


async def get_membership(session: AsyncSession, person_id: int) -> Membership | None:
    return await session.scalar(select(Membership).where(Membership.person_id == person_id))


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
