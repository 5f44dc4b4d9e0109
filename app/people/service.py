"""People and their membership of an organisation."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts import sessions
from app.accounts.actor import Actor, Role
from app.audit import service as audit
from app.clients import service as clients
from app.errors import AppError, not_found
from app.identity import service as identity
from app.identity.policy import NameCheck, Verdict
from app.kit.passwords import hash_password
from app.kit.time import as_utc, utc_now
from app.models import Membership, Person
from app.people import history as person_history
from app.people import passwords, repository
from app.people.schemas import (
    HistoryEntry,
    NameCheckRead,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)


async def name_context(session: AsyncSession, organisation_id: int) -> tuple[list[str], list[str]]:
    organisation = await repository.get_organisation(session, organisation_id)
    organisation_names = [organisation.name] if organisation else []
    return organisation_names, await clients.names(session, organisation_id)


async def check_name(session: AsyncSession, organisation_id: int, full_name: str) -> NameCheck:
    organisation_names, client_names = await name_context(session, organisation_id)
    return identity.check(full_name, organisation_names, client_names)


def _ensure_name_allowed(actor: Actor, result: NameCheck, confirm_name: bool) -> None:
    """A refused name is stored only when an owner or manager confirms one the policy allows."""
    if result.verdict != Verdict.REFUSE:
        return
    if not (confirm_name and result.confirmable):
        raise AppError("name_refused", field="full_name", detail=identity.refusal(result))
    actor.require_manager()


async def get(session: AsyncSession, actor: Actor, person_id: int) -> tuple[Person, Membership]:
    found = await repository.get_in_organisation(session, actor.organisation_id, person_id)
    if found is None:
        raise not_found("person", "personne", "/api/v1/people")
    return found


async def get_member(
    session: AsyncSession, organisation_id: int, person_id: int
) -> tuple[Person, Membership] | None:
    return await repository.get_in_organisation(session, organisation_id, person_id)


async def create(
    session: AsyncSession, actor: Actor, data: PersonCreate, *, now: datetime
) -> tuple[Person, Membership, NameCheck]:
    actor.require_manager()
    if data.role in (Role.OWNER, Role.MANAGER) and actor.role != Role.OWNER:
        raise AppError("owner_only", field="role")
    result = await check_name(session, actor.organisation_id, data.full_name)
    _ensure_name_allowed(actor, result, data.confirm_name)
    if await repository.email_exists(session, data.email):
        raise AppError("email_taken", field="email")
    if data.password is not None:
        passwords.check(data.password, email=data.email, names=[data.full_name, data.short_name])
    organisation = await repository.get_organisation(session, actor.organisation_id)
    person = Person(
        email=data.email,
        full_name=result.normalised,
        short_name=data.short_name,
        role_title=data.role_title,
        photo_url=str(data.photo_url) if data.photo_url else None,
        password_hash=hash_password(data.password) if data.password else None,
        locale=data.locale or (organisation.locale if organisation else "en"),
        created_at=now,
        updated_at=now,
    )
    membership = Membership(
        organisation_id=actor.organisation_id, role=data.role, joined_at=now, left_at=None
    )
    await repository.add_person(session, person, membership)
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="person.created",
        subject_type="person",
        subject_id=person.id,
        at=now,
        data={
            "full_name": person.full_name,
            "role": str(data.role),
            "verdict": str(result.verdict),
        },
    )
    return person, membership, result


def _may_change(actor: Actor, person: Person, membership: Membership) -> None:
    """Anyone acts on their own profile; a manager on community managers; an owner on anyone."""
    if person.id == actor.person_id:
        return
    if not actor.is_manager:
        raise AppError("not_yourself")
    if membership.role != Role.CM and actor.role != Role.OWNER:
        raise AppError("owner_only")


async def _keep_an_owner(
    session: AsyncSession, organisation_id: int, person: Person, membership: Membership
) -> None:
    """An organisation always keeps an owner who is not leaving."""
    if membership.role == Role.OWNER and not await repository.other_owners(
        session, organisation_id, person.id
    ):
        raise AppError("last_owner", name=person.full_name)


async def update(
    session: AsyncSession, actor: Actor, person_id: int, data: PersonUpdate, *, now: datetime
) -> tuple[Person, Membership]:
    person, membership = await get(session, actor, person_id)
    fields = data.model_fields_set
    new_role = data.role if "role" in fields and data.role != membership.role else None
    if new_role is not None and actor.role != Role.OWNER:
        raise AppError("owner_only", field="role")
    _may_change(actor, person, membership)
    if "password" in fields and person.id != actor.person_id:
        raise AppError("not_yourself", field="password")
    if new_role is not None:
        await _change_role(session, actor, person, membership, new_role, now=now)
    changes: dict[str, object] = {}
    if "full_name" in fields and data.full_name is not None:
        result = await check_name(session, actor.organisation_id, data.full_name)
        _ensure_name_allowed(actor, result, data.confirm_name)
        if result.normalised != person.full_name:
            if person.id == actor.person_id:
                raise AppError("rename_self", field="full_name")
            changes["full_name"] = [person.full_name, result.normalised]
            person.full_name = result.normalised
            # The attestation vouched for the old name; posts already signed keep theirs.
            await identity.withdraw(
                session, actor, person, reason="name changed", now=now, by_system=True
            )
    photo_url = str(data.photo_url) if data.photo_url else None
    for name, value in (
        ("short_name", data.short_name),
        ("role_title", data.role_title),
        ("locale", data.locale),
        ("photo_url", photo_url),
    ):
        if name in fields and value != getattr(person, name):
            changes[name] = [getattr(person, name), value]
            setattr(person, name, value)
    if "password" in fields and data.password is not None:
        passwords.check(
            data.password, email=person.email, names=[person.full_name, person.short_name]
        )
        person.password_hash = hash_password(data.password)
        changes["password_changed"] = True
        # A stolen session cookie stops working with the old password.
        changes["sessions_ended"] = await sessions.end_all_of(
            session, person.id, now=now, reason="password_changed"
        )
    person.updated_at = now
    if changes:
        audit.record(
            session,
            organisation_id=actor.organisation_id,
            actor_id=actor.person_id,
            action="person.updated",
            subject_type="person",
            subject_id=person.id,
            at=now,
            data=changes,
        )
    return person, membership


async def _change_role(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    membership: Membership,
    role: Role,
    *,
    now: datetime,
) -> None:
    """An owner's decision (update checked it)."""
    if has_left(membership, now):
        raise AppError("person_already_left")
    await _keep_an_owner(session, actor.organisation_id, person, membership)
    old = membership.role
    membership.role = role
    accounts.forget_tokens_of(session, person.id)  # a cached token holds the old role
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="person.role_changed",
        subject_type="person",
        subject_id=person.id,
        at=now,
        data={"role": [old, str(role)]},
    )


async def withdraw_attestation(
    session: AsyncSession, actor: Actor, person_id: int, *, reason: str, now: datetime
) -> tuple[Person, Membership]:
    """An owner or manager withdraws someone else's attestation (a manager: a CM's)."""
    actor.require_manager()
    person, membership = await get(session, actor, person_id)
    if person.id == actor.person_id:
        raise AppError("withdraw_self")
    _may_change(actor, person, membership)
    await identity.withdraw(session, actor, person, reason=reason, now=now)
    return person, membership


async def history(
    session: AsyncSession, actor: Actor, person_id: int, *, limit: int, offset: int, locale: str
) -> list[HistoryEntry]:
    """What happened to a person's signature and membership, newest first: for the person
    and for owners and managers."""
    person, _ = await get(session, actor, person_id)
    if person.id != actor.person_id:
        actor.require_manager()
    events = await audit.of_subject(
        session,
        actor.organisation_id,
        "person",
        person.id,
        person_history.EVENTS,
        limit=limit,
        offset=offset,
    )
    actors = await repository.names_of(
        session, actor.organisation_id, {e.actor_id for e in events if e.actor_id is not None}
    )
    return [person_history.entry(event, actors, locale) for event in events]


async def check_can_leave(
    session: AsyncSession, actor: Actor, person_id: int
) -> tuple[Person, Membership]:
    """The member an owner or manager may mark as leaving, or the AppError that says why not."""
    actor.require_manager()
    if person_id == actor.person_id:
        raise AppError("cannot_leave_self")
    person, membership = await get(session, actor, person_id)
    if membership.left_at is not None:
        raise AppError("person_already_left")
    if membership.role != Role.CM and actor.role != Role.OWNER:
        raise AppError("owner_only")
    await _keep_an_owner(session, actor.organisation_id, person, membership)
    return person, membership


async def leave(
    session: AsyncSession, actor: Actor, person_id: int, *, at: datetime, now: datetime
) -> tuple[Person, Membership]:
    """Mark a member as gone from `at` (now, or a planned departure): from then they cannot log
    in or sign. Holding their posts and handing their clients over is app.handovers'."""
    person, membership = await check_can_leave(session, actor, person_id)
    membership.left_at = at
    if at <= now:
        await accounts.shut_out(session, person.id, now=now)
    else:
        accounts.forget_tokens_of(session, person.id)  # they stop working at `at`
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="person.left",
        subject_type="person",
        subject_id=person.id,
        at=now,
        data={"left_at": at.isoformat()},
    )
    return person, membership


def has_left(membership: Membership, at: datetime) -> bool:
    return membership.left_at is not None and as_utc(membership.left_at) <= at


async def list_people(session: AsyncSession, actor: Actor) -> Sequence[tuple[Person, Membership]]:
    return await repository.list_in_organisation(session, actor.organisation_id)


async def read_many(
    session: AsyncSession,
    organisation_id: int,
    rows: Sequence[tuple[Person, Membership]],
    locale: str,
) -> list[PersonRead]:
    attested = await identity.attested_map(session, [person for person, _ in rows])
    organisation_names, client_names = await name_context(session, organisation_id)
    return [
        to_read(
            person,
            membership,
            attested=attested[person.id],
            name_check=identity.check(person.full_name, organisation_names, client_names),
            locale=locale,
        )
        for person, membership in rows
    ]


def to_read(
    person: Person, membership: Membership, *, attested: bool, name_check: NameCheck, locale: str
) -> PersonRead:
    return PersonRead(
        id=person.id,
        email=person.email,
        full_name=person.full_name,
        short_name=person.short_name,
        role=Role(membership.role),
        role_title=person.role_title,
        photo_url=person.photo_url,
        locale=person.locale,
        attested=attested,
        active=not has_left(membership, utc_now()),
        name_check=NameCheckRead(
            verdict=name_check.verdict.value,
            code=name_check.code,
            message=name_check.message(locale),
        ),
        created_at=person.created_at,
    )


async def emails_of(session: AsyncSession, person_ids: Collection[int]) -> dict[int, str]:
    """The current e-mail address of each person (one query): what a connector finds the
    destination's own user by."""
    return await repository.emails_of(session, person_ids)


async def organisation_name(session: AsyncSession, organisation_id: int) -> str:
    organisation = await repository.get_organisation(session, organisation_id)
    return organisation.name if organisation else ""
