"""The signing rules, in one place: who may sign a post for a client, checked at every entry point
(post creation and edits) and again by the dispatcher right before sending.

1. The author is the authenticated person (callers pass the actor's id; no field sets it).
2. The author's name is attested, and the attestation is of the name as it is now.
3. The author holds an accepted engagement with the client that covers the time the post goes
   out (a handover ends one and starts another at its effective time), and is still a member
   then (a departure may be planned).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError
from app.identity import service as identity
from app.kit.time import as_utc, shown_in, utc_now
from app.models import Client
from app.people import service as people
from app.signing import repository


@dataclass(frozen=True)
class Signer:
    """The identity a post is signed with, frozen into the post at signing time."""

    person_id: int
    full_name: str
    role_title: str | None
    photo_url: str | None


async def ensure_can_sign(
    session: AsyncSession,
    *,
    organisation_id: int,
    person_id: int,
    client: Client,
    at: datetime | None = None,
) -> Signer:
    """Raise the AppError that explains why `person_id` cannot sign for `client` a post going out
    at `at` (default: now), or return the signer."""
    at = as_utc(at) if at is not None else utc_now()
    found = await repository.candidate(session, organisation_id, person_id, client.id)
    if found is None:
        raise AppError("account_inactive")
    person, engagement = found.person, found.engagement
    if people.has_left(found.membership, at):
        raise AppError("author_left", name=person.full_name)
    if not identity.attests(found.attested_name, person):
        raise AppError("author_not_attested")
    if engagement is None:
        raise AppError("no_engagement", client=client.name)
    if engagement.starts_at is not None and at < as_utc(engagement.starts_at):
        raise AppError(
            "engagement_not_started",
            client=client.name,
            starts=shown_in(engagement.starts_at, client.timezone),
        )
    if engagement.ends_at is not None and at >= as_utc(engagement.ends_at):
        raise AppError(
            "engagement_over",
            client=client.name,
            ends=shown_in(engagement.ends_at, client.timezone),
        )
    return Signer(
        person_id=person.id,
        full_name=person.full_name,
        role_title=person.role_title,
        photo_url=person.photo_url,
    )
