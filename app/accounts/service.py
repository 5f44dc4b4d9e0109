"""Who is acting: API tokens, password login, the actor of a person."""

import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository
from app.accounts.actor import Actor, Role
from app.audit import service as audit
from app.errors import AppError, not_found
from app.kit.crypto import hash_api_token, new_api_token
from app.kit.passwords import verify_password
from app.kit.throttle import LoginThrottle, wait_words
from app.kit.time import as_utc, utc_now
from app.models import ApiToken

# Writing last_used_at on every request would serialise SQLite writers; a minute is precise enough.
_TOUCH_EVERY = timedelta(minutes=1)


async def actor_for(session: AsyncSession, person_id: int, now: datetime | None = None) -> Actor:
    """The member acting; one who has left (a planned departure counts from its time) cannot."""
    actor, _ = await _actor_and_departure(session, person_id, now or utc_now())
    return actor


async def _actor_and_departure(
    session: AsyncSession, person_id: int, now: datetime
) -> tuple[Actor, datetime | None]:
    membership = await repository.get_membership(session, person_id)
    leaves_at = as_utc(membership.left_at) if membership and membership.left_at else None
    if membership is None or (leaves_at is not None and leaves_at <= now):
        raise AppError("account_inactive")
    actor = Actor(
        person_id=person_id, organisation_id=membership.organisation_id, role=Role(membership.role)
    )
    return actor, leaves_at


@dataclass
class _Known:
    """A token found valid a moment ago, with its actor."""

    token_id: int
    actor: Actor
    last_used_at: datetime | None
    until: float
    """time.monotonic() after which it is looked up again."""
    leaves_at: datetime | None = None
    """A planned departure: the token stops working then, cached or not."""


_KNOWN_FOR = 10.0
"""Seconds a valid token is trusted without a query. Revoking a token, or a person leaving, forgets
their tokens at once in this process; another API process notices within this time."""
_KNOWN_MAX = 10_000
_monotonic = time.monotonic
_known: weakref.WeakKeyDictionary[Engine, dict[str, _Known]] = weakref.WeakKeyDictionary()


def _known_tokens(session: AsyncSession) -> dict[str, _Known]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    found = _known.get(engine)
    if found is None:
        found = _known[engine] = {}
    return found


def _forget_person(session: AsyncSession, person_id: int) -> None:
    """Forget the person's tokens now, and again once this transaction commits (a request that
    looked one up in between saw it still valid)."""

    def forget(*_: object) -> None:
        known = _known_tokens(session)
        for token_hash in [h for h, k in known.items() if k.actor.person_id == person_id]:
            del known[token_hash]

    forget()
    event.listen(session.sync_session, "after_commit", forget, once=True)


def forget_tokens_of(session: AsyncSession, person_id: int) -> None:
    """Look the person's tokens up again next time (their membership changed: a planned
    departure)."""
    _forget_person(session, person_id)


async def authenticate_token(session: AsyncSession, raw_token: str, *, now: datetime) -> Actor:
    token_hash = hash_api_token(raw_token)
    known = _known_tokens(session)
    found = known.get(token_hash)
    if found is None or found.until < _monotonic():
        token = await repository.active_token_by_hash(session, token_hash)
        if token is None:
            known.pop(token_hash, None)
            raise AppError("invalid_token")
        actor, leaves_at = await _actor_and_departure(session, token.person_id, now)
        if len(known) >= _KNOWN_MAX:
            known.clear()
        found = known[token_hash] = _Known(
            token.id, actor, token.last_used_at, _monotonic() + _KNOWN_FOR, leaves_at
        )
    elif found.leaves_at is not None and found.leaves_at <= now:
        del known[token_hash]  # a planned departure whose time has come
        raise AppError("account_inactive")
    if found.last_used_at is None or now - found.last_used_at > _TOUCH_EVERY:
        await repository.touch_token(session, found.token_id, now)
        found.last_used_at = now
    return found.actor


async def log_in(
    session: AsyncSession,
    throttle: LoginThrottle,
    email: str,
    password: str,
    *,
    address: str | None,
    now: datetime,
) -> Actor:
    """The actor a password signs in, or why not. Failures are counted per account and per
    address; past a limit every sign-in waits, the right password too (`login_throttled`).
    An unknown address, and the account of someone who has left, get exactly the answers any
    wrong password gets."""
    email = email.strip()
    async with throttle.turn(email, address):
        wait = await throttle.wait(email, address)
        if wait:
            raise AppError(
                "login_throttled", wait=wait_words(wait), headers={"Retry-After": str(ceil(wait))}
            )
        person = await repository.get_by_email(session, email)
        verified = verify_password(person.password_hash if person else None, password)
        membership = await repository.get_membership(session, person.id) if person else None
        gone = membership is None or (
            membership.left_at is not None and as_utc(membership.left_at) <= now
        )
        if not verified or person is None or gone:
            locked = await throttle.failed(email, address)
            if membership is not None or locked:
                # Every failure on an account is in its organisation's trail; for an unknown
                # address only the moment it is locked is (a spray of names stays a few rows).
                audit.record(
                    session,
                    organisation_id=membership.organisation_id if membership else None,
                    actor_id=None,
                    action="person.login_locked" if locked else "person.login_failed",
                    subject_type="person" if person else "login",
                    subject_id=person.id if person else None,
                    at=now,
                    data={"address": address, **({} if person else {"email": email[:320]})},
                )
            raise AppError("login_failed")
        actor = await actor_for(session, person.id, now)
        await throttle.succeeded(email)
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=person.id,
        action="person.logged_in",
        subject_type="person",
        subject_id=person.id,
        at=now,
        data={"address": address},
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
        _forget_person(session, actor.person_id)
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


async def revoke_all_tokens(session: AsyncSession, person_id: int, *, now: datetime) -> int:
    """Every API token of a person stops working (a stolen session may have made one); how many."""
    revoked = await repository.revoke_tokens_of(session, person_id, now)
    _forget_person(session, person_id)
    return revoked


async def shut_out(session: AsyncSession, person_id: int, *, now: datetime) -> None:
    """A person who leaves keeps no way in: their API tokens are revoked and their web sessions
    end."""
    await repository.revoke_tokens_of(session, person_id, now)
    await repository.end_web_sessions(session, at=now, reason="left", person_id=person_id)
    _forget_person(session, person_id)
