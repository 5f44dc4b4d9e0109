"""SQL for the signing check: what it reads, in one statement (it runs on every post written and
again before each goes out)."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Attestation, Engagement, Membership, Person

# The name of the person's active attestation (the latest not withdrawn), as
# app.identity.repository finds it.
_ATTESTED_NAME = (
    select(Attestation.attested_name)
    .where(Attestation.person_id == Person.id, Attestation.withdrawn_at.is_(None))
    .order_by(Attestation.id.desc())
    .limit(1)
    .correlate(Person)
    .scalar_subquery()
)

# Built once: building the statement (and its cache key) costs more than running it.
_SIGNER = (
    select(Person, Membership, _ATTESTED_NAME, Engagement)
    .join(Membership, Membership.person_id == Person.id)
    # The accepted engagement with the client, as app.engagements.repository finds it.
    .outerjoin(
        Engagement,
        (Engagement.person_id == Person.id)
        & (Engagement.client_id == bindparam("client_id"))
        & (Engagement.status == "accepted"),
    )
    .where(Person.id == bindparam("person_id"), Membership.organisation_id == bindparam("org_id"))
)


@dataclass(frozen=True)
class Candidate:
    """A member who may be about to sign, with what the rules look at."""

    person: Person
    membership: Membership
    attested_name: str | None
    engagement: Engagement | None


async def candidate(
    session: AsyncSession, organisation_id: int, person_id: int, client_id: int
) -> Candidate | None:
    """None when the person is not a member of the organisation."""
    row = (
        await session.execute(
            _SIGNER, {"person_id": person_id, "org_id": organisation_id, "client_id": client_id}
        )
    ).first()
    return Candidate(row[0], row[1], row[2], row[3]) if row else None
