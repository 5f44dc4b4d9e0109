"""Handovers: scheduling one from the client's page, what is scheduled, and a handover's page,
where the incoming person reads the announcement as each channel will show it, edits it,
and accepts or declines; an owner or manager may cancel it. The same services as
/api/v1/handovers; a time is entered in the client's zone, which the form names."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.errors import AppError
from app.handovers import service as handovers
from app.handovers.schemas import HandoverAccept, HandoverCreate, HandoverStatus, Text
from app.kit.fields import Id
from app.state import AppState
from app.web.clients_pages import Refused, client_page, validated
from app.web.common import Viewer, answer, attempt, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

_OPEN = (HandoverStatus.PROPOSED, HandoverStatus.ACCEPTED)


@router.post("/app/clients/{client_id}/handovers")
async def schedule(
    request: Request,
    session: Session,
    state: State,
    client_id: Id,
    outgoing_person_id: Annotated[str, Form(max_length=20)] = "",
    incoming_person_id: Annotated[str, Form(max_length=20)] = "",
    effective_at: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {
        "outgoing_person_id": outgoing_person_id,
        "incoming_person_id": incoming_person_id,
        "effective_at": effective_at,
        "note": note,
    }

    async def act(viewer: Viewer) -> Response:
        for name in ("outgoing_person_id", "incoming_person_id", "effective_at"):
            if not values[name].strip():
                raise AppError("field_required", field=name)
        data = validated(
            HandoverCreate,
            outgoing_person_id=outgoing_person_id,
            incoming_person_id=incoming_person_id,
            effective_at=effective_at,
            note=note.strip() or None,
        )
        handover = await handovers.propose(
            session, viewer.actor, client_id, data, now=state.clock()
        )
        return go(state, f"/app/handovers/{handover.id}?done=scheduled")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        shown = Refused.of("handover", error, page_locale(request), values)
        return await client_page(request, session, state, viewer, client_id, shown)

    return await answer(request, session, state, act, refused)


@router.get("/app/handovers")
async def handovers_list(request: Request, session: Session, state: State) -> Response:
    """What is scheduled (and, below, what was), for the chosen client or all of them."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    locale = page_locale(request)
    now = state.clock()
    rows = [
        await handovers.to_read(session, handover, locale=locale, now=now)
        for handover in await handovers.list_handovers(
            session, viewer.actor, client_id=viewer.client_id, status=None
        )
    ]
    rows.sort(key=lambda h: h.effective_at)
    return render(
        "web/handovers.html",
        locale=locale,
        request=request,
        section="handovers",
        scheduled=[h for h in rows if h.status in _OPEN],
        past=[h for h in reversed(rows) if h.status not in _OPEN],
    )


async def _detail(
    request: Request,
    session: AsyncSession,
    state: AppState,
    viewer: Viewer,
    handover_id: Id,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request)
    now = state.clock()
    handover = await handovers.to_read(
        session, await handovers.get(session, viewer.actor, handover_id), locale=locale, now=now
    )
    errors = dict(errors or {})
    shown = {"title": handover.announcement.title, "body": handover.announcement.body} | (
        values or {}
    )
    previews = []
    try:
        async with attempt(session):
            previews = await handovers.preview_announcement(
                session,
                viewer.actor,
                handover_id,
                Text(title=shown["title"], body=shown["body"]),
                registry=state.registry,
                base_url=state.settings.base_url,
                now=now,
            )
    except AppError as error:
        errors.setdefault("preview", error.message(locale))
    return render(
        "web/handover.html",
        locale=locale,
        request=request,
        status_code=status_code,
        section="handovers",
        handover=handover,
        answerable=handover.incoming.id == viewer.actor.person_id
        and handover.status == HandoverStatus.PROPOSED,
        cancellable=viewer.is_manager and handover.status in _OPEN,
        me=viewer.actor.person_id,
        values=shown,
        errors=errors,
        previews=previews,
        notice=request.query_params.get("done"),
    )


@router.get("/app/handovers/{handover_id}")
async def handover_detail(
    request: Request, session: Session, state: State, handover_id: Id
) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _detail(request, session, state, viewer, handover_id)


@router.post("/app/handovers/{handover_id}/announcement")
async def announcement(
    request: Request,
    session: Session,
    state: State,
    handover_id: Id,
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=70000)] = "",
    do: Annotated[str, Form(max_length=10)] = "preview",
) -> Response:
    """The edited announcement: shown again with its preview (`do=preview`), or accepted and
    signed (`do=accept`)."""
    values = {"title": title, "body": body}

    async def act(viewer: Viewer) -> Response:
        if do != "accept":
            return await _detail(request, session, state, viewer, handover_id, values=values)
        edits = validated(Text, title=title, body=body)
        await handovers.accept(
            session,
            viewer.actor,
            handover_id,
            HandoverAccept(announcement=edits),
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
        return go(state, f"/app/handovers/{handover_id}?done=accepted")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        where = (error.field or "form").removeprefix("announcement.")
        return await _detail(
            request,
            session,
            state,
            viewer,
            handover_id,
            values=values,
            errors={where if where in values else "form": error.message(page_locale(request))},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused)


@router.post("/app/handovers/{handover_id}/cancel")
async def cancel(request: Request, session: Session, state: State, handover_id: Id) -> Response:
    async def act(viewer: Viewer) -> Response:
        await handovers.cancel(session, viewer.actor, handover_id, now=state.clock())
        return go(state, f"/app/handovers/{handover_id}?done=cancelled")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        return await _detail(
            request,
            session,
            state,
            viewer,
            handover_id,
            errors={"form": error.message(page_locale(request))},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused)
