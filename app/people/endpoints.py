from typing import Annotated

from fastapi import APIRouter, Query, status

from app.accounts.dependencies import CurrentActor, Locale, Session, State
from app.identity import service as identity
from app.kit.fields import Count, Id
from app.people import service
from app.people.schemas import (
    AttestRequest,
    HistoryEntry,
    PersonCreate,
    PersonRead,
    PersonUpdate,
    WithdrawRequest,
)

router = APIRouter(prefix="/people", tags=["people"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PersonRead)
async def create_person(
    data: PersonCreate, actor: CurrentActor, session: Session, state: State, locale: Locale
) -> PersonRead:
    """Add a member. The name is checked: refused names are a 422 `name_refused`; a `review`
    name is created but cannot sign until an attestation confirms it."""
    person, membership, name_check = await service.create(session, actor, data, now=state.clock())
    return service.to_read(person, membership, attested=False, name_check=name_check, locale=locale)


@router.get("", response_model=list[PersonRead])
async def list_people(actor: CurrentActor, session: Session, locale: Locale) -> list[PersonRead]:
    rows = await service.list_people(session, actor)
    return await service.read_many(session, actor.organisation_id, rows, locale)


@router.get("/me", response_model=PersonRead)
async def me(actor: CurrentActor, session: Session, locale: Locale) -> PersonRead:
    row = await service.get(session, actor, actor.person_id)
    return (await service.read_many(session, actor.organisation_id, [row], locale))[0]


@router.get("/{person_id}", response_model=PersonRead)
async def get_person(
    person_id: Id, actor: CurrentActor, session: Session, locale: Locale
) -> PersonRead:
    row = await service.get(session, actor, person_id)
    return (await service.read_many(session, actor.organisation_id, [row], locale))[0]


@router.post("/{person_id}/attest", response_model=PersonRead)
async def attest_person(
    person_id: Id,
    data: AttestRequest,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
) -> PersonRead:
    """Vouch that this person's `full_name` is their real name (owner or manager, never oneself).
    A name whose check is `review` needs `"confirm": true`."""
    person, membership = await service.get(session, actor, person_id)
    name_check = await service.check_name(session, actor.organisation_id, person.full_name)
    await identity.attest(
        session,
        actor,
        person,
        method=identity.AttestMethod(data.method),
        note=data.note,
        confirm=data.confirm,
        name_check=name_check,
        now=state.clock(),
    )
    return service.to_read(person, membership, attested=True, name_check=name_check, locale=locale)


@router.post("/{person_id}/attest/withdraw", response_model=PersonRead)
async def withdraw_attestation(
    person_id: Id,
    data: WithdrawRequest,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
) -> PersonRead:
    """Withdraw the attestation: the person can no longer sign, and their scheduled posts are
    held at dispatch (an owner, or a manager for a community manager; never one's own)."""
    row = await service.withdraw_attestation(
        session, actor, person_id, reason=data.reason, now=state.clock()
    )
    return (await service.read_many(session, actor.organisation_id, [row], locale))[0]


@router.get("/{person_id}/history", response_model=list[HistoryEntry])
async def person_history(
    person_id: Id,
    actor: CurrentActor,
    session: Session,
    locale: Locale,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Count, Query()] = 0,
) -> list[HistoryEntry]:
    """What happened to this person's signature and membership, newest first: name, short name,
    role title and photo changes (old and new values), attestations and their withdrawal, role
    changes, departure. For the person themselves, owners and managers."""
    return await service.history(
        session, actor, person_id, limit=limit, offset=offset, locale=locale
    )


@router.patch("/{person_id}", response_model=PersonRead)
async def update_person(
    person_id: Id,
    data: PersonUpdate,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
) -> PersonRead:
    """Change a profile: your own, a community manager's as a manager, anyone's as an owner. A
    new `full_name` (never your own) is checked and withdraws the attestation until someone
    attests the new name; posts already signed keep the signature they were signed with. `role`
    is an owner's to change, and the organisation keeps an owner."""
    row = await service.update(session, actor, person_id, data, now=state.clock())
    return (await service.read_many(session, actor.organisation_id, [row], locale))[0]
