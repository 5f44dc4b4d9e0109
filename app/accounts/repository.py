"""SQL for logins and API tokens."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.email import stored_form
from app.models import ApiToken, Membership, Person, WebSession


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


async def revoke_tokens_of(session: AsyncSession, person_id: int, at: datetime) -> int:
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def add_web_session(session: AsyncSession, row: WebSession) -> WebSession:
    session.add(row)
    await session.flush()
    return row


async def web_session_by_hash(session: AsyncSession, token_hash: str) -> WebSession | None:
    return await session.scalar(
        select(WebSession).where(WebSession.token_hash == token_hash, WebSession.ended_at.is_(None))
    )


async def touch_web_session(session: AsyncSession, session_id: int, at: datetime) -> None:
    await session.execute(
        update(WebSession).where(WebSession.id == session_id).values(last_seen_at=at)
    )


async def end_web_sessions(
    session: AsyncSession,
    *,
    at: datetime,
    reason: str,
    person_id: int | None = None,
    session_id: int | None = None,
) -> int:
    """End one session (session_id) or every live one of a person; how many ended."""
    statement = update(WebSession).where(WebSession.ended_at.is_(None))
    if session_id is not None:
        statement = statement.where(WebSession.id == session_id)
    if person_id is not None:
        statement = statement.where(WebSession.person_id == person_id)
    result = await session.execute(statement.values(ended_at=at, ended_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


async def live_web_sessions_of(
    session: AsyncSession, person_id: int, now: datetime
) -> Sequence[WebSession]:
    result = await session.scalars(
        select(WebSession)
        .where(
            WebSession.person_id == person_id,
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
        )
        .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())
    )
    return result.all()
