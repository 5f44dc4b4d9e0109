"""The first run: an organisation and its first owner, whose name setup attests (the one
exception to "nobody vouches for their own name")."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Role
from app.audit import service as audit
from app.errors import AppError
from app.identity import service as identity
from app.identity.policy import Verdict
from app.kit.email import normalise_email
from app.kit.passwords import hash_password
from app.kit.validation_messages import describe
from app.models import Membership, Organisation, Person
from app.people import passwords, repository


@dataclass(frozen=True)
class SetupResult:
    organisation: Organisation
    owner: Person


async def setup_organisation(
    session: AsyncSession,
    *,
    organisation_name: str,
    email: str,
    full_name: str,
    short_name: str | None,
    role_title: str | None,
    password: str | None,
    locale: str = "en",
    now: datetime,
) -> SetupResult:
    """Create an organisation and its first owner, whose name setup attests (the one exception)."""
    try:
        email = normalise_email(email)
    except ValueError as error:
        detail = describe({"type": "email_invalid", "ctx": {"reason": str(error)}})
        raise AppError("invalid_field", field="email", detail=detail) from error
    name_check = identity.check(full_name, [organisation_name], [])
    if name_check.verdict == Verdict.REFUSE:
        raise AppError("name_refused", field="full_name", detail=identity.refusal(name_check))
    if await repository.email_exists(session, email):
        raise AppError("email_taken", field="email")
    if password is not None:
        passwords.check(password, email=email, names=[full_name, short_name])
    organisation = await repository.add_organisation(
        session, Organisation(name=organisation_name.strip(), locale=locale, created_at=now)
    )
    owner = Person(
        email=email,
        full_name=name_check.normalised,
        short_name=short_name,
        role_title=role_title,
        password_hash=hash_password(password) if password else None,
        locale=locale,
        created_at=now,
        updated_at=now,
    )
    membership = Membership(
        organisation_id=organisation.id, role=Role.OWNER, joined_at=now, left_at=None
    )
    await repository.add_person(session, owner, membership)
    identity.attest_at_setup(session, owner, now)
    audit.record(
        session,
        organisation_id=organisation.id,
        actor_id=owner.id,
        action="organisation.created",
        subject_type="organisation",
        subject_id=organisation.id,
        at=now,
        data={"name": organisation.name, "owner": owner.full_name},
    )
    # The owner's history starts as anyone's does (GET /people/{id}/history), by Byline itself.
    for action, data in (
        ("person.created", {"full_name": owner.full_name, "role": str(Role.OWNER)}),
        ("person.attested", {"method": str(identity.AttestMethod.SETUP), "name": owner.full_name}),
    ):
        audit.record(
            session,
            organisation_id=organisation.id,
            actor_id=None,
            action=action,
            subject_type="person",
            subject_id=owner.id,
            at=now,
            data=data,
        )
    return SetupResult(organisation=organisation, owner=owner)


async def is_set_up(session: AsyncSession) -> bool:
    return await repository.organisation_count(session) > 0
