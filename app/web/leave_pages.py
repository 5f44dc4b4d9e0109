"""Marking a member as leaving (owners and managers), now or at a set time, with a successor for
each client they speak for: a handover is proposed to each successor, and their posts that
would go out once they are gone are held. POST /api/v1/people/{id}/leave through the same
service; the time is entered in the zone of their clients, which the form names (one is chosen
when their clients are in several)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.clients import service as clients
from app.engagements import service as engagements
from app.engagements.schemas import EngagementStatus
from app.errors import AppError
from app.handovers import service as handovers
from app.handovers.schemas import Leave, Successor
from app.kit.fields import Id
from app.people import service as people
from app.state import AppState
from app.web.clients_pages import validated
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()


async def _page(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    person_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    viewer.actor.require_manager()
    locale = page_locale(request)
    actor = viewer.actor
    everyone = await people.read_many(
        session, actor.organisation_id, await people.list_people(session, actor), locale
    )
    person = next((p for p in everyone if p.id == person_id), None)
    if person is None:
        await people.get(session, actor, person_id)  # the not-found refusal
    speaking = await engagements.list_engagements(
        session, actor, client_id=None, person_id=person_id, status=EngagementStatus.ACCEPTED
    )
    found = await clients.get_many(session, sorted({e.client_id for e in speaking}))
    their_clients = sorted(found.values(), key=lambda c: c.name.casefold())
    return render(
        "web/leave.html",
        locale=locale,
        request=request,
        status_code=status_code,
        section="people",
        person=person,
        clients=their_clients,
        zones=sorted({c.timezone for c in their_clients}) or ["UTC"],
        successors=[p for p in everyone if p.active and p.attested and p.id != person_id],
        values=values or {},
        errors=errors or {},
    )


async def _manager(request: Request, session: AsyncSession, state: AppState) -> Viewer | None:
    viewer = await viewer_of(request, session, state)
    if viewer is not None:
        viewer.actor.require_manager()
    return viewer


@router.get("/app/people/{person_id}/leave")
async def leave_form(request: Request, session: Session, state: State, person_id: Id) -> Response:
    viewer = await _manager(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _page(request, session, viewer, person_id)


@router.post("/app/people/{person_id}/leave")
async def leave(
    request: Request,
    session: Session,
    state: State,
    person_id: Id,
    effective_at: Annotated[str, Form(max_length=40)] = "",
    zone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    form = await request.form()
    # One select per client, named successor-<client id>; an empty choice: nobody.
    chosen = {
        key.removeprefix("successor-"): str(value)
        for key, value in form.multi_items()
        if key.startswith("successor-")
    }
    values = {"effective_at": effective_at, "zone": zone} | {
        f"successor-{k}": v for k, v in chosen.items()
    }
    now = state.clock()

    async def act(viewer: Viewer) -> Response:
        when = None
        if effective_at.strip():
            if zone and not clients.valid_zone(zone):
                raise AppError("invalid_timezone", field="zone", value=zone)
            # Read in the zone chosen on the form, then given to the service with its offset.
            when = handovers.read_effective_at(effective_at, zone or "UTC", now).isoformat()
        successors = [
            validated(Successor, client_id=client_id, person_id=person)
            for client_id, person in chosen.items()
            if person
        ]
        data = validated(Leave, successors=successors, effective_at=when)
        await handovers.leave(session, viewer.actor, person_id, data, now=now)
        return go(state, f"/app/people?done=left#person-{person_id}")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        where = error.field or "form"
        if where.startswith("successors."):
            # successors.<index>.person_id → the select of that client.
            index = int(where.split(".")[1])
            named = [k for k, v in chosen.items() if v]
            where = f"successor-{named[index]}" if index < len(named) else "form"
        return await _page(
            request,
            session,
            viewer,
            person_id,
            values=values,
            errors={where: error.message(page_locale(request))},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused, find=_manager)
