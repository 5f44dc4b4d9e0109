"""Who is acting: API tokens, password login, the actor of a person."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository
from app.accounts.actor import Actor, Role
from app.audit import service as audit
from app.errors import AppError, not_found
from app.kit.crypto import hash_api_token, new_api_token
from app.kit.passwords import verify_password
from app.kit.time import as_utc, utc_now
from app.models import ApiToken

# Writing last_used_at on every request would serialise SQLite writers; a minute is precise enough.
_TOUCH_EVERY = timedelta(minutes=1)


async def actor_for(session: AsyncSession, person_id: int, now: datetime | None = None) -> Actor:
    """The member acting; one who has left (a planned departure counts from its time) cannot."""
    membership = await repository.get_membership(session, person_id)
    if membership is None or (
        membership.left_at is not None and as_utc(membership.left_at) <= (now or utc_now())
    ):
        raise AppError("account_inactive")
    return Actor(
        person_id=person_id, organisation_id=membership.organisation_id, role=Role(membership.role)
    )


async def authenticate_token(session: AsyncSession, raw_token: str, *, now: datetime) -> Actor:
    token = await repository.active_token_by_hash(session, hash_api_token(raw_token))
    if token is None:
        raise AppError("invalid_token")
    actor = await actor_for(session, token.person_id, now)
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        await repository.touch_token(session, token.id, now)
    return actor


async def authenticate_password(
    session: AsyncSession, email: str, password: str, *, now: datetime
) -> Actor:
    person = await repository.get_by_email(session, email.strip())
    if not verify_password(person.password_hash if person else None, password) or person is None:
        raise AppError("login_failed")
    actor = await actor_for(session, person.id, now)
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=person.id,
        action="person.logged_in",
        subject_type="person",
        subject_id=person.id,
        at=now,
    )
    return actor


async def create_token(
    session: AsyncSession, actor: Actor, name: str, *, now: datetime
) -> tuple[ApiToken, str]:
    """Returns the stored token and the clear value, which is never stored nor shown again."""
    raw = new_api_token()
    token = await repository.add_token(
        session,
        ApiToken(
            person_id=actor.person_id,
            name=name,
            token_hash=hash_api_token(raw),
            prefix=raw[:12],
            created_at=now,
        ),
    )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="token.created",
        subject_type="api_token",
        subject_id=token.id,
        at=now,
        data={"name": name},
    )
    return token, raw


async def create_token_for_email(
    session: AsyncSession, email: str, name: str, *, now: datetime
) -> str:
    person = await repository.get_by_email(session, email)
    if person is None:
        raise not_found("person", "personne", "/api/v1/people")
    actor = await actor_for(session, person.id, now)
    _, raw = await create_token(session, actor, name, now=now)
    return raw


async def list_tokens(session: AsyncSession, actor: Actor) -> Sequence[ApiToken]:
    return await repository.tokens_of(session, actor.person_id)


async def revoke_token(
    session: AsyncSession, actor: Actor, token_id: int, *, now: datetime
) -> ApiToken:
    token = next(
        (t for t in await repository.tokens_of(session, actor.person_id) if t.id == token_id), None
    )
    if token is None:
        raise not_found("token", "jeton", "/api/v1/tokens")
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(
            session,
            organisation_id=actor.organisation_id,
            actor_id=actor.person_id,
            action="token.revoked",
            subject_type="api_token",
            subject_id=token.id,
            at=now,
        )
    return token


async def revoke_all_tokens(session: AsyncSession, person_id: int, *, now: datetime) -> None:
    """A person who leaves keeps no way in through the API."""
    await repository.revoke_tokens_of(session, person_id, now)
