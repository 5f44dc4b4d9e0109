from fastapi import APIRouter, status

from app.accounts.dependencies import CurrentActor, Locale, Session, State
from app.handovers import service
from app.handovers.schemas import (
    FarewellCreate,
    HandoverAccept,
    HandoverCreate,
    HandoverDecline,
    HandoverRead,
    HandoverStatus,
    Leave,
    LeaveRead,
    TakeOver,
)
from app.kit.fields import Id
from app.people import service as people
from app.posts import service as posts
from app.posts.schemas import PostRead

router = APIRouter(tags=["handovers"])


@router.post(
    "/clients/{client_id}/handovers",
    status_code=status.HTTP_201_CREATED,
    response_model=HandoverRead,
)
async def propose_handover(
    client_id: Id,
    data: HandoverCreate,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
) -> HandoverRead:
    """Propose that a client pass from one CM to another at `effective_at` (owner or manager).
    The incoming person reads the drafted announcement, then accepts or declines; nothing changes
    for the client's audience unless they accept."""
    now = state.clock()
    handover = await service.propose(session, actor, client_id, data, now=now)
    return await service.to_read(session, handover, locale=locale, now=now)


@router.get("/handovers", response_model=list[HandoverRead])
async def list_handovers(
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
    client_id: Id | None = None,
    status: HandoverStatus | None = None,
) -> list[HandoverRead]:
    """Owners and managers see all; a CM sees the handovers they hand over or take over."""
    now = state.clock()
    rows = await service.list_handovers(session, actor, client_id=client_id, status=status)
    return [await service.to_read(session, row, locale=locale, now=now) for row in rows]


@router.get("/handovers/{handover_id}", response_model=HandoverRead)
async def get_handover(
    handover_id: Id, actor: CurrentActor, session: Session, state: State, locale: Locale
) -> HandoverRead:
    now = state.clock()
    handover = await service.get(session, actor, handover_id)
    return await service.to_read(session, handover, locale=locale, now=now)


@router.post("/handovers/{handover_id}/accept", response_model=HandoverRead)
async def accept_handover(
    handover_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
    data: HandoverAccept | None = None,
) -> HandoverRead:
    """Only the incoming person accepts: it accepts the engagement with the client, and the
    announcement (the draft, with your edits) becomes your own post, signed with your name and
    due at the effective time on every channel of the client. Accepted after the effective time,
    it takes effect at once."""
    now = state.clock()
    handover = await service.accept(
        session,
        actor,
        handover_id,
        data or HandoverAccept(),
        registry=state.registry,
        base_url=state.settings.base_url,
        now=now,
    )
    return await service.to_read(session, handover, locale=locale, now=now)


@router.post("/handovers/{handover_id}/decline", response_model=HandoverRead)
async def decline_handover(
    handover_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
    data: HandoverDecline | None = None,
) -> HandoverRead:
    """Only the incoming person declines, with an optional reason the owner reads; the outgoing
    CM keeps the client."""
    now = state.clock()
    handover = await service.decline(
        session, actor, handover_id, data.reason if data else None, now=now
    )
    return await service.to_read(session, handover, locale=locale, now=now)


@router.post("/handovers/{handover_id}/cancel", response_model=HandoverRead)
async def cancel_handover(
    handover_id: Id, actor: CurrentActor, session: Session, state: State, locale: Locale
) -> HandoverRead:
    """Cancel a handover before it takes effect (owner or manager): its announcement and any
    farewell do not go out, and the outgoing CM keeps the client."""
    now = state.clock()
    handover = await service.cancel(session, actor, handover_id, now=now)
    return await service.to_read(session, handover, locale=locale, now=now)


@router.post(
    "/handovers/{handover_id}/farewell",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
)
async def write_farewell(
    handover_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    data: FarewellCreate | None = None,
) -> PostRead:
    """The outgoing person's own farewell (only theirs to write): the draft in `farewell_draft`,
    with your edits, signed with your name, before the effective time."""
    post = await service.farewell(
        session,
        actor,
        handover_id,
        data or FarewellCreate(),
        registry=state.registry,
        base_url=state.settings.base_url,
        now=state.clock(),
    )
    return (await posts.read_many(session, [post]))[0]


@router.post(
    "/handovers/{handover_id}/posts/{post_id}/take-over",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
)
async def take_over_post(
    handover_id: Id,
    post_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    data: TakeOver | None = None,
) -> PostRead:
    """The incoming person writes a post the handover held again, as their own new post (your
    edits, your name); the old one is cancelled."""
    post = await service.take_over(
        session,
        actor,
        handover_id,
        post_id,
        data or TakeOver(),
        registry=state.registry,
        base_url=state.settings.base_url,
        now=state.clock(),
    )
    return (await posts.read_many(session, [post]))[0]


@router.post("/people/{person_id}/leave", response_model=LeaveRead, tags=["people"])
async def leave_organisation(
    person_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    locale: Locale,
    data: Leave | None = None,
) -> LeaveRead:
    """Mark a member as leaving, now or at `effective_at` (owner or manager): from then they can
    no longer log in or sign, and their posts that would go out after are held at once, never
    published. `successors` proposes a handover of each client named to its new CM."""
    now = state.clock()
    departure = await service.leave(session, actor, person_id, data or Leave(), now=now)
    person = (
        await people.read_many(
            session, actor.organisation_id, [(departure.person, departure.membership)], locale
        )
    )[0]
    return LeaveRead(
        **person.model_dump(),
        handovers=[
            await service.to_read(session, handover, locale=locale, now=now)
            for handover in departure.handovers
        ],
        held_post_ids=sorted(departure.held_post_ids),
    )
