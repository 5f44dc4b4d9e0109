"""Web sessions, held on the server: the browser's cookie carries a random value that names a row,
so logging out, a password change, a departure or an owner's decision ends it everywhere."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository
from app.accounts.actor import Actor, Role
from app.accounts.service import actor_for, revoke_all_tokens
from app.audit import service as audit
from app.errors import AppError, not_found
from app.kit.crypto import hash_api_token
from app.kit.time import as_utc
from app.models import WebSession

COOKIE = "byline_session"
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetime:
    max_age: timedelta
    """From sign-in, whatever happens."""
    idle: timedelta
    """Without a request."""


@dataclass(frozen=True)
class Signed:
    actor: Actor
    session_id: int


async def start(
    session: AsyncSession,
    actor: Actor,
    *,
    now: datetime,
    lifetime: Lifetime,
    user_agent: str | None,
    address: str | None,
    replacing: str | None = None,
) -> str:
    """A new session for `actor`; the cookie value to send. The session the browser held before
    (`replacing`, its cookie value) ends: the id changes at every sign-in."""
    if replacing:
        await end(session, replacing, now=now, reason="replaced")
    raw = secrets.token_urlsafe(32)
    await repository.add_web_session(
        session,
        WebSession(
            person_id=actor.person_id,
            token_hash=hash_api_token(raw),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime.max_age,
            user_agent=(user_agent or "")[:300] or None,
            address=(address or "")[:64] or None,
        ),
    )
    return raw


async def resume(
    session: AsyncSession, raw: str | None, *, now: datetime, lifetime: Lifetime
) -> Signed | None:
    """The signed-in actor of a cookie value, or None (unknown, ended, expired, idle too long, or
    their person has left)."""
    if not raw:
        return None
    row = await repository.web_session_by_hash(session, hash_api_token(raw))
    if row is None:
        return None
    reason = None
    if as_utc(row.expires_at) <= now:
        reason = "expired"
    elif as_utc(row.last_seen_at) + lifetime.idle <= now:
        reason = "idle"
    if reason is None:
        try:
            actor = await actor_for(session, row.person_id, now)
        except AppError:
            reason = "left"
    if reason is not None:
        await repository.end_web_sessions(session, at=now, reason=reason, session_id=row.id)
        return None
    if now - as_utc(row.last_seen_at) > _TOUCH_EVERY:
        await repository.touch_web_session(session, row.id, now)
    return Signed(actor, row.id)


async def end(session: AsyncSession, raw: str | None, *, now: datetime, reason: str) -> None:
    """End the session of a cookie value (log out); nothing when there is none."""
    if not raw:
        return
    row = await repository.web_session_by_hash(session, hash_api_token(raw))
    if row is not None:
        await repository.end_web_sessions(session, at=now, reason=reason, session_id=row.id)


async def end_all_of(session: AsyncSession, person_id: int, *, now: datetime, reason: str) -> int:
    """End every session of a person (a password change, a departure); how many ended."""
    return await repository.end_web_sessions(session, at=now, reason=reason, person_id=person_id)


async def _may_see(session: AsyncSession, actor: Actor, person_id: int) -> None:
    """Your own sessions, or those of anyone in your organisation for an owner."""
    membership = await repository.get_membership(session, person_id)
    if membership is None or membership.organisation_id != actor.organisation_id:
        raise not_found("person", "personne", "/api/v1/people")
    if person_id != actor.person_id and actor.role != Role.OWNER:
        raise AppError("sessions_owner_only")


async def list_of(
    session: AsyncSession, actor: Actor, person_id: int, *, now: datetime
) -> Sequence[WebSession]:
    await _may_see(session, actor, person_id)
    return await repository.live_web_sessions_of(session, person_id, now)


async def end_for(
    session: AsyncSession, actor: Actor, person_id: int, *, now: datetime, tokens: bool = False
) -> tuple[int, int]:
    """An owner ends someone's sessions (a lost laptop, a doubt), or a person their own; with
    `tokens`, their API tokens are revoked too (a stolen session can make one). How many of
    each."""
    await _may_see(session, actor, person_id)
    reason = "ended_by_self" if person_id == actor.person_id else "ended_by_owner"
    ended = await end_all_of(session, person_id, now=now, reason=reason)
    revoked = await revoke_all_tokens(session, person_id, now=now) if tokens else 0
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="person.sessions_ended",
        subject_type="person",
        subject_id=person_id,
        at=now,
        data={"sessions": ended, "tokens": revoked},
    )
    return ended, revoked
