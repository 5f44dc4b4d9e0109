"""What the two people of a handover write, on the compose form with its live preview: the
outgoing person's farewell, out before the handover, and a post the handover held, which the
incoming person takes over as their own. The same services as POST /api/v1/handovers/{id}/farewell
and /handovers/{id}/posts/{post_id}/take-over; a refusal shows next to the field it concerns."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.channels import service as channels
from app.clients import service as clients
from app.errors import AppError
from app.handovers import service as handovers
from app.handovers.schemas import FarewellCreate, HandoverRead, TakeOver
from app.kit.fields import Id
from app.kit.time import as_utc
from app.state import AppState
from app.web.common import Viewer, answer, go, viewer_of
from app.web.compose import Draft, Purpose, field_of, local_parts, page, preview, validated
from app.web.rendering import page_locale

router = APIRouter()

Channels = Annotated[list[str] | None, Form(max_length=20)]
Title = Annotated[str, Form(max_length=300)]
Body = Annotated[str, Form(max_length=50_000)]
Link = Annotated[str, Form(max_length=2000)]
Day = Annotated[str, Form(max_length=10)]
Hour = Annotated[str, Form(max_length=8)]
Action = Annotated[str, Form(max_length=10)]


async def _handover(
    request: Request, session: AsyncSession, state: AppState, viewer: Viewer, handover_id: int
) -> HandoverRead:
    found = await handovers.get(session, viewer.actor, handover_id)
    return await handovers.to_read(session, found, locale=page_locale(request), now=state.clock())


async def _shown_again(
    request: Request,
    session: AsyncSession,
    state: AppState,
    viewer: Viewer,
    draft: Draft,
    purpose: Purpose,
    error: AppError,
) -> Response:
    return await page(
        request,
        session,
        state,
        viewer,
        draft,
        errors={field_of(error): error.message(page_locale(request))},
        purpose=purpose,
        status_code=error.status,
    )


# -- taking over a held post -----------------------------------------------------------------


def _taking_over(handover: HandoverRead, post_id: int) -> Purpose:
    return Purpose(
        "take_over",
        f"/app/handovers/{handover.id}/posts/{post_id}/take-over",
        f"/app/handovers/{handover.id}",
        {"outgoing": handover.outgoing.full_name},
    )


@router.get("/app/handovers/{handover_id}/posts/{post_id}/take-over")
async def take_over_form(
    request: Request, session: Session, state: State, handover_id: Id, post_id: Id
) -> Response:
    """The held post as it was, to edit; the time kept if it is still ahead."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    held = await handovers.held_for_take_over(session, viewer.actor, handover_id, post_id)
    old = held.post
    zone = (await clients.get(session, viewer.actor, old.client_id)).timezone
    day, hour = ("", "")
    if as_utc(old.scheduled_at) > state.clock():
        day, hour = local_parts(old.scheduled_at, zone)
    draft = Draft(
        str(old.client_id),
        tuple(str(channel_id) for channel_id in held.held_on),
        old.title or "",
        old.body,
        old.link or "",
        day,
        hour,
    )
    purpose = _taking_over(await _handover(request, session, state, viewer, handover_id), post_id)
    return await page(request, session, state, viewer, draft, purpose=purpose)


@router.post("/app/handovers/{handover_id}/posts/{post_id}/take-over")
async def take_over(
    request: Request,
    session: Session,
    state: State,
    handover_id: Id,
    post_id: Id,
    channel_ids: Channels = None,
    title: Title = "",
    body: Body = "",
    link: Link = "",
    date: Day = "",
    time: Hour = "",
    action: Action = "",
) -> Response:
    """Preview (`action=preview`), or the new post, signed with the viewer's name, the held one
    cancelled."""
    handover: HandoverRead | None = None

    async def act(viewer: Viewer) -> Response:
        nonlocal handover
        handover = await _handover(request, session, state, viewer, handover_id)
        draft = Draft(
            str(handover.client_id), tuple(channel_ids or ()), title, body, link, date, time
        )
        if action == "preview":
            previews = await preview(session, state, viewer, draft)
            purpose = _taking_over(handover, post_id)
            return await page(
                request, session, state, viewer, draft, previews=previews, purpose=purpose
            )
        data = validated(
            TakeOver,
            title=title.strip() or None,
            body=body,
            link=link.strip() or None,
            scheduled_at=draft.scheduled_at(),
            channel_ids=draft.channels(),
        )
        new = await handovers.take_over(
            session,
            viewer.actor,
            handover_id,
            post_id,
            data,
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
        return go(state, f"/app/posts/{new.id}?done=taken_over")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        shown = handover or await _handover(request, session, state, viewer, handover_id)
        draft = Draft(str(shown.client_id), tuple(channel_ids or ()), title, body, link, date, time)
        purpose = _taking_over(shown, post_id)
        return await _shown_again(request, session, state, viewer, draft, purpose, error)

    return await answer(request, session, state, act, refused)


# -- the outgoing person's farewell ----------------------------------------------------------


def _farewell(handover: HandoverRead) -> Purpose:
    return Purpose(
        "farewell",
        f"/app/handovers/{handover.id}/farewell",
        f"/app/handovers/{handover.id}",
        {"incoming": handover.incoming.full_name, "effective_at": handover.effective_at},
    )


@router.get("/app/handovers/{handover_id}/farewell")
async def farewell_form(
    request: Request, session: Session, state: State, handover_id: Id
) -> Response:
    """The drafted farewell, on every channel of the client, an hour before the handover (or
    now, when that is past): what the API would send without edits."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    handover = await _handover(request, session, state, viewer, handover_id)
    if handover.outgoing.id != viewer.actor.person_id:
        raise AppError("not_handover_outgoing", name=handover.outgoing.full_name)
    zone = (await clients.get(session, viewer.actor, handover.client_id)).timezone
    when = max(state.clock(), as_utc(handover.effective_at) - handovers.FAREWELL_AHEAD)
    day, hour = local_parts(when, zone)
    draft = Draft(
        str(handover.client_id),
        tuple(
            str(channel.id)
            for channel in await channels.of_client(session, viewer.actor, handover.client_id)
        ),
        handover.farewell_draft.title,
        handover.farewell_draft.body,
        "",
        day,
        hour,
    )
    return await page(request, session, state, viewer, draft, purpose=_farewell(handover))


@router.post("/app/handovers/{handover_id}/farewell")
async def farewell(
    request: Request,
    session: Session,
    state: State,
    handover_id: Id,
    channel_ids: Channels = None,
    title: Title = "",
    body: Body = "",
    date: Day = "",
    time: Hour = "",
    action: Action = "",
) -> Response:
    """Preview (`action=preview`), or the farewell scheduled, signed with the viewer's name."""
    handover: HandoverRead | None = None

    async def act(viewer: Viewer) -> Response:
        nonlocal handover
        handover = await _handover(request, session, state, viewer, handover_id)
        draft = Draft(
            str(handover.client_id), tuple(channel_ids or ()), title, body, "", date, time
        )
        if action == "preview":
            previews = await preview(session, state, viewer, draft)
            return await page(
                request,
                session,
                state,
                viewer,
                draft,
                previews=previews,
                purpose=_farewell(handover),
            )
        data = validated(
            FarewellCreate,
            title=title,
            body=body,
            scheduled_at=draft.scheduled_at(),
            channel_ids=draft.channels(),
        )
        post = await handovers.farewell(
            session,
            viewer.actor,
            handover_id,
            data,
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
        return go(state, f"/app/posts/{post.id}?done=scheduled")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        shown = handover or await _handover(request, session, state, viewer, handover_id)
        draft = Draft(str(shown.client_id), tuple(channel_ids or ()), title, body, "", date, time)
        return await _shown_again(request, session, state, viewer, draft, _farewell(shown), error)

    return await answer(request, session, state, act, refused)
