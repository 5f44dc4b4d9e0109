"""Clients: the list, a new client, and a client's page with its settings, channels, the history
of its engagements (« missions ») and its handovers. Owners and managers change them; everyone
reads. The same services as /api/v1/clients and /api/v1/clients/{id}/engagements; a refusal
re-renders the page with the message next to the form it refuses, keeping what was typed."""

from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.channels import service as channels
from app.clients import service as clients
from app.clients.schemas import ClientCreate, ClientUpdate
from app.engagements import service as engagements
from app.errors import AppError, validation_to_app_error
from app.handovers import service as handovers
from app.kit.fields import Id
from app.people import service as people
from app.state import AppState
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

CHANNEL_KINDS = ("local_blog", "facebook_page", "wordpress", "ghost")
Model = TypeVar("Model", bound=BaseModel)


@dataclass
class Refused:
    """The form a refusal concerns (its name on the page), what was typed and the messages."""

    form: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 422

    @classmethod
    def of(cls, form: str, error: AppError, locale: str, values: dict[str, str]) -> "Refused":
        return cls(form, values, {error.field or "form": error.message(locale)}, error.status)


def validated(model: type[Model], **fields: object) -> Model:
    """A request model built from form fields; what it refuses is an AppError naming the field."""
    try:
        return model(**fields)
    except ValidationError as invalid:
        raise validation_to_app_error(RequestValidationError(invalid.errors())) from None


def minutes(text: str) -> int | None:
    """A number of minutes typed in a form: empty means none; anything else not a number is left
    to the model to refuse."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise AppError(
            "invalid_field",
            field="publish_deadline_minutes",
            detail={"en": "give a number of minutes", "fr": "indiquez un nombre de minutes"},
        )
    return int(text)


async def list_page(
    request: Request, session: AsyncSession, viewer: Viewer, refused: Refused | None = None
) -> Response:
    rows = await clients.list_clients(session, viewer.actor)
    mine = {choice.id for choice in viewer.clients}
    return render(
        "web/clients.html",
        locale=page_locale(request),
        request=request,
        status_code=refused.status if refused else 200,
        section="clients",
        clients=[c for c in rows if viewer.is_manager or c.id in mine],
        refused=refused,
    )


async def client_page(
    request: Request,
    session: AsyncSession,
    state: AppState,
    viewer: Viewer,
    client_id: int,
    refused: Refused | None = None,
    checked: dict[int, object] | None = None,
) -> Response:
    """The client's page; `checked` holds the answer of a channel check just made."""
    locale = page_locale(request)
    actor = viewer.actor
    client = await clients.get(session, actor, client_id)
    everyone = await people.read_many(
        session, actor.organisation_id, await people.list_people(session, actor), locale
    )
    names = {person.id: person for person in everyone}
    history = await engagements.list_engagements(
        session, actor, client_id=client.id, person_id=None, status=None
    )
    now = state.clock()
    client_handovers = [
        await handovers.to_read(session, handover, locale=locale, now=now)
        for handover in await handovers.list_handovers(
            session, actor, client_id=client.id, status=None
        )
    ]
    speaking = {e.person_id for e in history if e.status == "accepted" and e.ends_at is None}
    return render(
        "web/client.html",
        locale=locale,
        request=request,
        status_code=refused.status if refused else 200,
        section="clients",
        client=clients.to_read(client, state.settings.base_url),
        channels=[channels.to_read(c) for c in await channels.of_client(session, actor, client.id)],
        kinds=CHANNEL_KINDS,
        history=sorted(history, key=lambda e: e.proposed_at, reverse=True),
        names=names,
        members=[p for p in everyone if p.active],
        speakers=[p for p in everyone if p.id in speaking],
        handovers=client_handovers,
        refused=refused,
        checked=checked or {},
        notice=request.query_params.get("done"),
    )


@router.get("/app/clients")
async def clients_list(request: Request, session: Session, state: State) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await list_page(request, session, viewer)


@router.post("/app/clients")
async def create_client(
    request: Request,
    session: Session,
    state: State,
    name: Annotated[str, Form(max_length=200)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    locale: Annotated[str, Form(max_length=10)] = "",
    publish_deadline_minutes: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {
        "name": name,
        "timezone": timezone,
        "locale": locale,
        "publish_deadline_minutes": publish_deadline_minutes,
    }

    async def act(viewer: Viewer) -> Response:
        data = validated(
            ClientCreate,
            name=name.strip(),
            timezone=timezone.strip() or "UTC",
            locale=locale or "en",
            publish_deadline_minutes=minutes(publish_deadline_minutes),
        )
        client = await clients.create(session, viewer.actor, data, now=state.clock())
        return go(state, f"/app/clients/{client.id}?done=created")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        shown = Refused.of("new", error, page_locale(request), values)
        return await list_page(request, session, viewer, shown)

    return await answer(request, session, state, act, refused)


@router.get("/app/clients/{client_id}")
async def client_detail(
    request: Request, session: Session, state: State, client_id: Id
) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await client_page(request, session, state, viewer, client_id)


@router.post("/app/clients/{client_id}")
async def edit_client(
    request: Request,
    session: Session,
    state: State,
    client_id: Id,
    name: Annotated[str, Form(max_length=200)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    locale: Annotated[str, Form(max_length=10)] = "",
    signature_intro: Annotated[str, Form(max_length=200)] = "",
    publish_deadline_minutes: Annotated[str, Form(max_length=20)] = "",
    handover_wording: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    values = {
        "name": name,
        "timezone": timezone,
        "locale": locale,
        "signature_intro": signature_intro,
        "publish_deadline_minutes": publish_deadline_minutes,
        "handover_wording": handover_wording,
    }

    async def act(viewer: Viewer) -> Response:
        data = validated(
            ClientUpdate,
            name=name.strip(),
            timezone=timezone.strip(),
            locale=locale,
            signature_intro=signature_intro,
            publish_deadline_minutes=minutes(publish_deadline_minutes),
            handover_wording=handover_wording,
        )
        await clients.update(session, viewer.actor, client_id, data, now=state.clock())
        return go(state, f"/app/clients/{client_id}?done=saved")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        shown = Refused.of("settings", error, page_locale(request), values)
        return await client_page(request, session, state, viewer, client_id, shown)

    return await answer(request, session, state, act, refused)


@router.post("/app/clients/{client_id}/engagements")
async def propose(
    request: Request,
    session: Session,
    state: State,
    client_id: Id,
    person_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    async def act(viewer: Viewer) -> Response:
        if not person_id.isdigit():
            raise AppError("field_required", field="person_id")
        await engagements.propose(
            session, viewer.actor, client_id, int(person_id), now=state.clock()
        )
        return go(state, f"/app/clients/{client_id}?done=proposed#engagements")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        shown = Refused.of("propose", error, page_locale(request), {"person_id": person_id})
        return await client_page(request, session, state, viewer, client_id, shown)

    return await answer(request, session, state, act, refused)
