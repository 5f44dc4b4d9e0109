"""Engagements: a CM chooses the clients they speak for. Only the engaged person accepts or declines."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.clients import service as clients
from app.engagements import repository
from app.engagements.schemas import EngagementRead, EngagementStatus
from app.errors import AppError, not_found
from app.models import Engagement, Membership, Person
from app.people import service as people

_STATUS_WORDS = {
    "accepted": {"en": "accepted", "fr": "acceptée"},
    "declined": {"en": "declined", "fr": "refusée"},
    "ended": {"en": "ended", "fr": "terminée"},
    "proposed": {"en": "proposed", "fr": "proposée"},
}


async def propose(
    session: AsyncSession, actor: Actor, client_id: int, person_id: int, *, now: datetime
) -> Engagement:
    actor.require_manager()
    client = await clients.get(session, actor, client_id)
    await people.get(session, actor, person_id)
    existing = await repository.open_for(session, client.id, person_id)
    if existing is not None:
        raise AppError(
            "engagement_exists", field="person_id", status_word=_STATUS_WORDS[existing.status]
        )
    engagement = await repository.add(
        session,
        Engagement(
            client_id=client.id,
            person_id=person_id,
            status=EngagementStatus.PROPOSED,
            proposed_by_id=actor.person_id,
            proposed_at=now,
        ),
    )
    _audit(session, actor, engagement, "engagement.proposed", now)
    return engagement


async def get(session: AsyncSession, actor: Actor, engagement_id: int) -> Engagement:
    engagement = await repository.get_in_organisation(session, actor.organisation_id, engagement_id)
    if engagement is None:
        raise not_found("engagement", "mission", "/api/v1/engagements")
    return engagement


async def respond(
    session: AsyncSession,
    actor: Actor,
    engagement_id: int,
    *,
    accept: bool,
    reason: str | None,
    now: datetime,
) -> Engagement:
    engagement = await get(session, actor, engagement_id)
    if engagement.person_id != actor.person_id:
        raise AppError("not_your_engagement")
    if engagement.status != EngagementStatus.PROPOSED:
        raise AppError("engagement_not_pending", status_word=_STATUS_WORDS[engagement.status])
    engagement.status = EngagementStatus.ACCEPTED if accept else EngagementStatus.DECLINED
    engagement.responded_at = now
    engagement.decline_reason = None if accept else (reason or None)
    action = "engagement.accepted" if accept else "engagement.declined"
    _audit(session, actor, engagement, action, now, {"reason": reason} if reason else None)
    return engagement


async def end(
    session: AsyncSession, actor: Actor, engagement_id: int, *, now: datetime
) -> Engagement:
    """The person or a manager ends an engagement; the person can no longer write for the client."""
    engagement = await get(session, actor, engagement_id)
    if engagement.person_id != actor.person_id:
        actor.require_manager()
    if engagement.status in (EngagementStatus.ENDED, EngagementStatus.DECLINED):
        raise AppError("engagement_already_ended")
    engagement.status = EngagementStatus.ENDED
    engagement.ended_at = now
    _audit(session, actor, engagement, "engagement.ended", now)
    return engagement


async def list_engagements(
    session: AsyncSession,
    actor: Actor,
    *,
    client_id: int | None,
    person_id: int | None,
    status: str | None,
) -> Sequence[Engagement]:
    if not actor.is_manager:
        person_id = actor.person_id
    return await repository.list_in_organisation(
        session, actor.organisation_id, person_id=person_id, client_id=client_id, status=status
    )


async def accepted(session: AsyncSession, client_id: int, person_id: int) -> Engagement | None:
    """The person's accepted engagement with the client (its window says when it counts)."""
    return await repository.accepted_for(session, client_id, person_id)


async def open_for(session: AsyncSession, client_id: int, person_id: int) -> Engagement | None:
    """The proposed or accepted engagement of the person with the client, if any."""
    return await repository.open_for(session, client_id, person_id)


async def propose_for_handover(
    session: AsyncSession,
    actor: Actor,
    client_id: int,
    person_id: int,
    *,
    starts_at: datetime,
    now: datetime,
) -> Engagement:
    """The engagement a handover proposes to an incoming person who has none with the client:
    accepted with the handover, it counts from the handover's effective time."""
    engagement = await repository.add(
        session,
        Engagement(
            client_id=client_id,
            person_id=person_id,
            status=EngagementStatus.PROPOSED,
            proposed_by_id=actor.person_id,
            proposed_at=now,
            starts_at=starts_at,
        ),
    )
    _audit(session, actor, engagement, "engagement.proposed", now, {"handover": True})
    return engagement


def accept_with_handover(
    session: AsyncSession, actor: Actor, engagement: Engagement, *, now: datetime
) -> None:
    """The incoming person accepted a handover: the engagement it proposed is accepted with it
    (one accepted earlier stays as it was)."""
    if engagement.status != EngagementStatus.PROPOSED:
        return
    engagement.status = EngagementStatus.ACCEPTED
    engagement.responded_at = now
    _audit(session, actor, engagement, "engagement.accepted", now, {"handover": True})


def withdraw_with_handover(
    session: AsyncSession, actor: Actor, engagement: Engagement, *, now: datetime
) -> None:
    """A handover declined or cancelled before anyone accepted: the engagement it proposed goes
    with it."""
    if engagement.status != EngagementStatus.PROPOSED:
        return
    engagement.status = EngagementStatus.DECLINED
    engagement.responded_at = now
    _audit(session, actor, engagement, "engagement.declined", now, {"handover": True})


def counts_from(engagement: Engagement, at: datetime | None) -> None:
    """The engagement counts for posts going out from `at` (None: from its acceptance)."""
    engagement.starts_at = at


def counts_until(engagement: Engagement, at: datetime | None) -> None:
    """The engagement counts for posts going out before `at` (None: open-ended)."""
    engagement.ends_at = at


async def get_by_id(session: AsyncSession, engagement_id: int) -> Engagement:
    engagement = await repository.get(session, engagement_id)
    assert engagement is not None, engagement_id
    return engagement


def end_with_handover(
    session: AsyncSession,
    engagement: Engagement,
    *,
    organisation_id: int,
    at: datetime,
    handover_id: int,
) -> None:
    """The handover took effect: the outgoing engagement is over from `at`."""
    engagement.status = EngagementStatus.ENDED
    engagement.ended_at = at
    engagement.ends_at = at
    audit.record(
        session,
        organisation_id=organisation_id,
        actor_id=None,
        action="engagement.ended",
        subject_type="engagement",
        subject_id=engagement.id,
        at=at,
        data={
            "client_id": engagement.client_id,
            "person_id": engagement.person_id,
            "handover_id": handover_id,
        },
    )


def _audit(
    session: AsyncSession,
    actor: Actor,
    engagement: Engagement,
    action: str,
    now: datetime,
    data: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action=action,
        subject_type="engagement",
        subject_id=engagement.id,
        at=now,
        data={"client_id": engagement.client_id, "person_id": engagement.person_id, **(data or {})},
    )


def to_read(engagement: Engagement) -> EngagementRead:
    return EngagementRead.model_validate(engagement, from_attributes=True)


async def voices_of(
    session: AsyncSession, client_id: int
) -> Sequence[tuple[Engagement, Person, Membership]]:
    return await repository.voices_of(session, client_id)
