"""Attestation: an owner or manager vouches that a person's signing name is their real name."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.errors import AppError
from app.identity import repository
from app.identity.policy import NameCheck, Verdict, check_name
from app.models import Attestation, Person


class AttestMethod(StrEnum):
    DECLARED = "declared"
    """Declared by the organisation (e.g. the employment contract)."""
    ID_DOCUMENT = "id_document"
    DIRECTORY = "directory"
    """Found in the company directory."""
    SETUP = "setup"
    """The first owner, attested by `byline setup` (the only self-attestation)."""


def check(full_name: str, organisation_names: list[str], client_names: list[str]) -> NameCheck:
    return check_name(full_name, organisation_names=organisation_names, client_names=client_names)


def refusal(result: NameCheck) -> dict[str, str]:
    return {"en": result.message("en"), "fr": result.message("fr")}


def to_confirmer(result: NameCheck) -> dict[str, str]:
    """What the owner or manager attesting the name reads before confirming it."""
    return {
        "en": result.message("en", to_confirmer=True),
        "fr": result.message("fr", to_confirmer=True),
    }


def attests(attested_name: str | None, person: Person) -> bool:
    """Whether an active attestation of `attested_name` attests the person's name: only the name
    as it is now (one changed since is no longer attested)."""
    return attested_name is not None and attested_name == person.full_name


async def is_attested(session: AsyncSession, person: Person) -> bool:
    attestation = await repository.active_attestation(session, person.id)
    return attests(attestation.attested_name if attestation else None, person)


async def attested_map(session: AsyncSession, people: list[Person]) -> dict[int, bool]:
    names = await repository.attested_names(session, [person.id for person in people])
    return {person.id: attests(names.get(person.id), person) for person in people}


def attest_at_setup(session: AsyncSession, person: Person, now: datetime) -> None:
    repository.add(
        session,
        Attestation(
            person_id=person.id,
            attested_name=person.full_name,
            method=AttestMethod.SETUP,
            note="first owner, attested at setup",
            confirmed_review=True,
            attested_by_id=None,
            attested_at=now,
        ),
    )


async def attest(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    *,
    method: AttestMethod,
    note: str | None,
    confirm: bool,
    name_check: NameCheck,
    now: datetime,
) -> None:
    actor.require_manager()
    if person.id == actor.person_id:
        raise AppError("attest_self")
    if method == AttestMethod.SETUP:
        raise AppError(
            "invalid_field", field="method", detail="“setup” is reserved for byline setup"
        )
    if name_check.verdict == Verdict.REFUSE and not name_check.confirmable:
        raise AppError("attest_name_refused", field="full_name", detail=refusal(name_check))
    if name_check.verdict != Verdict.ACCEPT and not confirm:
        raise AppError("attest_needs_confirm", field="confirm", detail=to_confirmer(name_check))
    await repository.withdraw_all(session, person.id, now, "superseded by a new attestation")
    repository.add(
        session,
        Attestation(
            person_id=person.id,
            attested_name=person.full_name,
            method=method,
            note=note,
            confirmed_review=name_check.verdict != Verdict.ACCEPT,
            attested_by_id=actor.person_id,
            attested_at=now,
        ),
    )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="person.attested",
        subject_type="person",
        subject_id=person.id,
        at=now,
        data={"method": str(method), "name": person.full_name, "confirmed_review": confirm},
    )


async def withdraw(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    *,
    reason: str,
    now: datetime,
    by_system: bool = False,
) -> None:
    """Withdraw a person's attestation. `by_system` is for withdrawals that follow from another
    change the actor may make (e.g. changing one's own name), not a manager's decision."""
    if not by_system:
        actor.require_manager()
    await repository.withdraw_all(session, person.id, now, reason)
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="person.attestation_withdrawn",
        subject_type="person",
        subject_id=person.id,
        at=now,
        data={"reason": reason},
    )
