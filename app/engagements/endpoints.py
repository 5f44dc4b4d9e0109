from fastapi import APIRouter, status

from app.accounts.dependencies import CurrentActor, Session, State
from app.engagements import service
from app.engagements.schemas import (
    EngagementCreate,
    EngagementDecline,
    EngagementRead,
    EngagementStatus,
)
from app.kit.fields import Id

router = APIRouter(tags=["engagements"])


@router.post(
    "/clients/{client_id}/engagements",
    status_code=status.HTTP_201_CREATED,
    response_model=EngagementRead,
)
async def propose_engagement(
    client_id: Id, data: EngagementCreate, actor: CurrentActor, session: Session, state: State
) -> EngagementRead:
    """Propose a client to a person (owner or manager). The person then accepts or declines."""
    engagement = await service.propose(session, actor, client_id, data.person_id, now=state.clock())
    return service.to_read(engagement)


@router.get("/engagements", response_model=list[EngagementRead])
async def list_engagements(
    actor: CurrentActor,
    session: Session,
    client_id: Id | None = None,
    person_id: Id | None = None,
    status: EngagementStatus | None = None,
) -> list[EngagementRead]:
    """Owners and managers see all; a CM sees their own."""
    rows = await service.list_engagements(
        session, actor, client_id=client_id, person_id=person_id, status=status
    )
    return [service.to_read(engagement) for engagement in rows]


@router.post("/engagements/{engagement_id}/accept", response_model=EngagementRead)
async def accept_engagement(
    engagement_id: Id, actor: CurrentActor, session: Session, state: State
) -> EngagementRead:
    """Only the person the engagement is proposed to can accept it."""
    engagement = await service.respond(
        session, actor, engagement_id, accept=True, reason=None, now=state.clock()
    )
    return service.to_read(engagement)


@router.post("/engagements/{engagement_id}/decline", response_model=EngagementRead)
async def decline_engagement(
    engagement_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    data: EngagementDecline | None = None,
) -> EngagementRead:
    """Only the person the engagement is proposed to can decline it, with an optional reason."""
    engagement = await service.respond(
        session,
        actor,
        engagement_id,
        accept=False,
        reason=data.reason if data else None,
        now=state.clock(),
    )
    return service.to_read(engagement)


@router.post("/engagements/{engagement_id}/end", response_model=EngagementRead)
async def end_engagement(
    engagement_id: Id, actor: CurrentActor, session: Session, state: State
) -> EngagementRead:
    """End an accepted or proposed engagement (the person, or an owner or manager)."""
    return service.to_read(await service.end(session, actor, engagement_id, now=state.clock()))
