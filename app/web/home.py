"""Home: what needs the signed-in person now, and what goes out next.

Client proposals to answer, handovers to take over, posts that failed, are held or need a person,
channels to reconnect, and the next posts. Each answer goes through the same services as the
API; a refusal shows on the home page, next to what it refuses."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.channels import service as channels
from app.clients import service as clients
from app.deliveries.states import PostStatus
from app.engagements import service as engagements
from app.engagements.schemas import EngagementStatus
from app.errors import AppError
from app.handovers import service as handovers
from app.handovers.schemas import HandoverAccept, HandoverStatus
from app.kit.fields import Id
from app.posts import service as posts
from app.state import AppState
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

# Post statuses that wait for a person, most urgent first.
_NEEDS_A_PERSON = (
    PostStatus.NEEDS_ATTENTION,
    PostStatus.FAILED,
    PostStatus.HELD,
    PostStatus.PARTIALLY_PUBLISHED,
)
_NEXT_DAYS = 14
_NEXT_COUNT = 5


@dataclass
class Refusal:
    """A refused answer, shown next to the thing it answered."""

    kind: str
    id: int
    message: str
    status: int
    values: dict[str, str] = field(default_factory=dict)


async def _page(
    request: Request,
    session: AsyncSession,
    state: AppState,
    viewer: Viewer,
    *,
    refusal: Refusal | None = None,
) -> Response:
    actor = viewer.actor
    locale = page_locale(request)
    now = state.clock()
    proposals = await engagements.list_engagements(
        session,
        actor,
        client_id=None,
        person_id=actor.person_id,
        status=EngagementStatus.PROPOSED,
    )
    # A handover proposes its own engagement: it is answered with the handover, not here.
    open_handovers = [
        handover
        for handover in await handovers.list_handovers(
            session, actor, client_id=None, status=HandoverStatus.PROPOSED
        )
        if handover.incoming_person_id == actor.person_id
    ]
    by_handover = {h.incoming_engagement_id for h in open_handovers}
    proposals = [p for p in proposals if p.id not in by_handover]
    client_names = {
        c.id: c
        for c in (
            await clients.get_many(session, sorted({p.client_id for p in proposals}))
        ).values()
    }
    stuck: list[Any] = []
    for status in _NEEDS_A_PERSON:
        found = await posts.list_posts(
            session,
            actor,
            client_id=viewer.client_id,
            status=status,
            author_id=None,
            scheduled_from=None,
            scheduled_to=None,
            limit=20,
            offset=0,
        )
        stuck.extend(found)
    upcoming = await posts.list_posts(
        session,
        actor,
        client_id=viewer.client_id,
        status=PostStatus.SCHEDULED,
        author_id=None,
        scheduled_from=now,
        scheduled_to=now + timedelta(days=_NEXT_DAYS),
        limit=200,
        offset=0,
    )
    upcoming = sorted(upcoming, key=lambda post: post.scheduled_at)[:_NEXT_COUNT]
    reconnect = []
    for choice in viewer.clients:
        if viewer.client_id is not None and choice.id != viewer.client_id:
            continue
        for channel in await channels.of_client(session, actor, choice.id):
            if channel.status == "needs_reauth":
                reconnect.append((choice, channel))
    zones = {
        c.id: c.timezone
        for c in (
            await clients.get_many(session, sorted({p.client_id for p in [*stuck, *upcoming]}))
        ).values()
    }
    shown = {("engagement", p.id) for p in proposals} | {("handover", h.id) for h in open_handovers}
    return render(
        "web/home.html",
        locale=locale,
        request=request,
        status_code=refusal.status if refusal else 200,
        section="home",
        proposals=[(p, client_names[p.client_id]) for p in proposals],
        handovers=[
            await handovers.to_read(session, handover, locale=locale, now=now)
            for handover in open_handovers
        ],
        stuck=await posts.read_many(session, stuck),
        upcoming=await posts.read_many(session, upcoming),
        zones=zones,
        reconnect=reconnect,
        refusal=refusal,
        # A refusal about something no longer listed (answered meanwhile) shows at the top.
        refusal_on_top=refusal is not None and (refusal.kind, refusal.id) not in shown,
        answered=None if refusal else request.query_params.get("answered"),
    )


@router.get("/app")
async def home(request: Request, session: Session, state: State) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _page(request, session, state, viewer)


def _on_home(
    request: Request,
    session: AsyncSession,
    state: AppState,
    kind: str,
    thing_id: int,
    values: dict[str, str] | None = None,
) -> Callable[[Viewer, AppError], Awaitable[Response]]:
    """A refused answer: the home page again, the refusal next to what it answered."""

    async def refused(viewer: Viewer, error: AppError) -> Response:
        message = error.message(page_locale(request))
        refusal = Refusal(kind, thing_id, message, error.status, values or {})
        return await _page(request, session, state, viewer, refusal=refusal)

    return refused


@router.post("/app/engagements/{engagement_id}/accept")
async def accept_engagement(
    request: Request, session: Session, state: State, engagement_id: Id
) -> Response:
    async def act(viewer: Viewer) -> Response:
        await engagements.respond(
            session, viewer.actor, engagement_id, accept=True, reason=None, now=state.clock()
        )
        return go(state, "/app?answered=accepted")

    refused = _on_home(request, session, state, "engagement", engagement_id)
    return await answer(request, session, state, act, refused)


@router.post("/app/engagements/{engagement_id}/decline")
async def decline_engagement(
    request: Request,
    session: Session,
    state: State,
    engagement_id: Id,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    async def act(viewer: Viewer) -> Response:
        await engagements.respond(
            session,
            viewer.actor,
            engagement_id,
            accept=False,
            reason=reason.strip() or None,
            now=state.clock(),
        )
        return go(state, "/app?answered=declined")

    refused = _on_home(request, session, state, "engagement", engagement_id, {"reason": reason})
    return await answer(request, session, state, act, refused)


@router.post("/app/handovers/{handover_id}/accept")
async def accept_handover(
    request: Request, session: Session, state: State, handover_id: Id
) -> Response:
    """Accepts with the announcement as drafted (editing it is the handover page's)."""

    async def act(viewer: Viewer) -> Response:
        await handovers.accept(
            session,
            viewer.actor,
            handover_id,
            HandoverAccept(),
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
        return go(state, "/app?answered=handover")

    refused = _on_home(request, session, state, "handover", handover_id)
    return await answer(request, session, state, act, refused)


@router.post("/app/handovers/{handover_id}/decline")
async def decline_handover(
    request: Request,
    session: Session,
    state: State,
    handover_id: Id,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    async def act(viewer: Viewer) -> Response:
        await handovers.decline(
            session, viewer.actor, handover_id, reason.strip() or None, now=state.clock()
        )
        return go(state, "/app?answered=declined")

    refused = _on_home(request, session, state, "handover", handover_id, {"reason": reason})
    return await answer(request, session, state, act, refused)
