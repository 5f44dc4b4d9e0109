"""Compose and edit a post: a client you accepted, its channels, the text, and a time entered in
the client's zone; a per-channel preview with the signature, from the same service as
POST /api/v1/posts/preview. Without JavaScript, "Preview" re-renders the page with it; with
static/compose.js it follows the typing through POST /app/compose/preview (session cookie and
the CSRF header). A refusal re-renders the form with the message next to its field."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.aftercare import service as aftercare
from app.channels import service as channels
from app.clients import service as clients
from app.db import unit_of_work
from app.deliveries.states import DeliveryStatus
from app.engagements import service as engagements
from app.engagements.schemas import EngagementStatus
from app.errors import AppError, validation_to_app_error
from app.kit.fields import Id
from app.kit.time import as_utc
from app.models import Client
from app.posts import service as posts
from app.posts.schemas import ChannelPreview, PostCreate, PostRead, PostUpdate
from app.state import AppState
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

_FIELDS = ("client_id", "channel_ids", "title", "body", "link", "scheduled_at")


@dataclass
class Draft:
    """What the form holds, as typed."""

    client_id: str = ""
    channel_ids: tuple[str, ...] = ()
    title: str = ""
    body: str = ""
    link: str = ""
    date: str = ""
    time: str = ""

    def scheduled_at(self) -> str | None:
        """The local time as the service reads it (in the client's zone); none: now."""
        if not self.date and not self.time:
            return None
        if not self.date or not self.time:
            raise AppError(
                "invalid_field",
                field="scheduled_at",
                detail={
                    "en": "give both the day and the time, or neither to publish now",
                    "fr": "indiquez le jour et l'heure, ou ni l'un ni l'autre pour publier "
                    "maintenant",
                },
            )
        return f"{self.date}T{self.time}"

    def channels(self) -> list[int]:
        chosen = [int(value) for value in self.channel_ids if value.isdigit()]
        if not chosen:
            raise AppError(
                "invalid_field",
                field="channel_ids",
                detail={"en": "choose at least one channel", "fr": "choisissez au moins un canal"},
            )
        return chosen

    def to_create(self) -> PostCreate:
        if not self.client_id.isdigit():
            raise AppError("field_required", field="client_id")
        return validated(
            PostCreate,
            client_id=int(self.client_id),
            channel_ids=self.channels(),
            title=self.title.strip() or None,
            body=self.body,
            link=self.link.strip() or None,
            scheduled_at=self.scheduled_at(),
        )


def validated(model: Any, **fields: Any) -> Any:
    try:
        return model(**fields)
    except ValidationError as invalid:
        raise validation_to_app_error(RequestValidationError(invalid.errors())) from None


def field_of(error: AppError) -> str:
    """The form field a refusal belongs next to, else the form as a whole."""
    name = (error.field or "").split(".")[0]
    return name if name in _FIELDS else "form"


async def writable_clients(session: AsyncSession, viewer: Viewer) -> list[Client]:
    """The clients the viewer accepted to speak for: the only ones a post of theirs can sign."""
    accepted = await engagements.list_engagements(
        session,
        viewer.actor,
        client_id=None,
        person_id=viewer.actor.person_id,
        status=EngagementStatus.ACCEPTED,
    )
    found = await clients.get_many(session, sorted({e.client_id for e in accepted}))
    return sorted(found.values(), key=lambda c: c.name.casefold())


def local_parts(moment: datetime, zone: str) -> tuple[str, str]:
    local = as_utc(moment).astimezone(ZoneInfo(zone))
    return local.date().isoformat(), local.strftime("%H:%M")


async def preview(
    session: AsyncSession, state: AppState, viewer: Viewer, draft: Draft
) -> list[ChannelPreview]:
    return await posts.preview(
        session,
        viewer.actor,
        draft.to_create(),
        registry=state.registry,
        base_url=state.settings.base_url,
        now=state.clock(),
    )


@dataclass(frozen=True)
class Purpose:
    """What the compose form is for, when it is not a new post: the post's edit, a held post
    taken over, a farewell. Its client is then fixed, whatever the switcher says."""

    mode: str
    """"edit", "take_over" or "farewell": the heading, the words and the button."""
    action: str
    """Where the form posts."""
    back: str
    """The page it came from."""
    about: dict[str, Any] = field(default_factory=dict)
    """What its introduction names (the people, the client)."""


async def page(
    request: Request,
    session: AsyncSession,
    state: AppState,
    viewer: Viewer,
    draft: Draft,
    *,
    errors: dict[str, str] | None = None,
    previews: list[ChannelPreview] | None = None,
    purpose: Purpose | None = None,
    status_code: int = 200,
) -> Response:
    """The compose form with `draft`, for a new post or for `purpose`."""
    choices = await writable_clients(session, viewer)
    client = next((c for c in choices if str(c.id) == draft.client_id), None)
    if purpose is not None:
        client = await clients.get(session, viewer.actor, int(draft.client_id))
    elif client is None and choices:
        client = choices[0]
        draft.client_id = str(client.id)
    return render(
        "web/compose.html",
        locale=page_locale(request),
        request=request,
        status_code=status_code,
        section="compose" if purpose is None else "posts",
        choices=choices,
        client=client,
        channels=await channels.of_client(session, viewer.actor, client.id) if client else [],
        draft=draft,
        errors=errors or {},
        previews=previews,
        mode=purpose.mode if purpose else "new",
        form_action=purpose.action if purpose else "/app/compose",
        back=purpose.back if purpose else None,
        about=purpose.about if purpose else {},
    )


def _editing(post_id: int, published: bool = False) -> Purpose:
    return Purpose(
        "edit_published" if published else "edit",
        f"/app/posts/{post_id}/edit",
        f"/app/posts/{post_id}",
    )


@router.get("/app/compose")
async def compose(request: Request, session: Session, state: State, client: str = "") -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    chosen = client[:20] or (str(viewer.client_id) if viewer.client_id else "")
    return await page(request, session, state, viewer, Draft(client_id=chosen))


@router.post("/app/compose")
async def compose_submit(
    request: Request,
    session: Session,
    state: State,
    client_id: Annotated[str, Form(max_length=20)] = "",
    channel_ids: Annotated[list[str] | None, Form(max_length=20)] = None,
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=50_000)] = "",
    link: Annotated[str, Form(max_length=2000)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=8)] = "",
    action: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    draft = Draft(client_id, tuple(channel_ids or ()), title, body, link, date, time)

    async def act(viewer: Viewer) -> Response:
        if action == "preview":
            previews = await preview(session, state, viewer, draft)
            return await page(request, session, state, viewer, draft, previews=previews)
        post = await posts.create(
            session,
            viewer.actor,
            draft.to_create(),
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
        return go(state, f"/app/posts/{post.id}?done=scheduled")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        return await page(
            request,
            session,
            state,
            viewer,
            draft,
            errors={field_of(error): error.message(page_locale(request))},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused)


@router.post("/app/compose/preview")
async def live_preview(request: Request, session: Session, state: State) -> Response:
    """What each chosen channel will publish, as JSON for static/compose.js; nothing is saved."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return JSONResponse({"error": "signed_out"}, status_code=401)
    try:
        sent = await request.json()
    except ValueError:
        sent = None
    if not isinstance(sent, dict):
        return JSONResponse({"error": "invalid_json"}, status_code=400)
    chosen = sent.get("channel_ids")
    draft = Draft(
        client_id=_text(sent, "client_id", 20),
        channel_ids=tuple(str(c)[:20] for c in chosen[:20]) if isinstance(chosen, list) else (),
        title=_text(sent, "title", 300),
        body=_text(sent, "body", 50_000),
        link=_text(sent, "link", 2000),
        date=_text(sent, "date", 10),
        time=_text(sent, "time", 8),
    )
    try:
        previews = await preview(session, state, viewer, draft)
    except AppError as error:
        return JSONResponse(
            {"error": error.message(page_locale(request)), "field": field_of(error)},
            status_code=error.status,
        )
    return JSONResponse({"previews": [p.model_dump() for p in previews]})


def _text(sent: dict[str, Any], key: str, limit: int) -> str:
    value = sent.get(key)
    return value[:limit] if isinstance(value, str) else ""


@router.get("/app/posts/{post_id}/edit")
async def edit(request: Request, session: Session, state: State, post_id: Id) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    post = (await posts.read_many(session, [await posts.get(session, viewer.actor, post_id)]))[0]
    day, hour = local_parts(post.scheduled_at, post.scheduled_zone)
    draft = Draft(
        client_id=str(post.client_id),
        channel_ids=tuple(str(d.channel_id) for d in post.deliveries if d.status != "cancelled"),
        title=post.title or "",
        body=post.body,
        link=post.link or "",
        date=day,
        time=hour,
    )
    published = any(d.status == DeliveryStatus.PUBLISHED for d in post.deliveries)
    return await page(request, session, state, viewer, draft, purpose=_editing(post_id, published))


async def _read(session: AsyncSession, viewer: Viewer, post_id: int) -> tuple[PostRead, bool]:
    """The post, and whether it went out on a channel (its edit then changes its words only)."""
    [post] = await posts.read_many(session, [await posts.get(session, viewer.actor, post_id)])
    return post, any(d.status == DeliveryStatus.PUBLISHED for d in post.deliveries)


@router.post("/app/posts/{post_id}/edit")
async def edit_submit(
    request: Request,
    state: State,
    post_id: Id,
    channel_ids: Annotated[list[str] | None, Form(max_length=20)] = None,
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=50_000)] = "",
    link: Annotated[str, Form(max_length=2000)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=8)] = "",
    action: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The author changes the post; it is signed again. Before it goes out an unchanged time is
    not sent, so that a post due in a minute can still have its text corrected. Once it went
    out, only its words change (the form sends no time or channels) and each channel it is
    published on is then sent the edit, with no transaction open while a channel answers (as
    PATCH /api/v1/posts/{id} does): the post's page says what each channel did."""
    sent: list[Viewer] = []

    async def act(viewer: Viewer) -> Response:
        post, published = await _read(session, viewer, post_id)
        draft = _draft_of(post, published, channel_ids, title, body, link, date, time)
        if action == "preview":
            previews = await preview(session, state, viewer, draft)
            return await page(
                request,
                session,
                state,
                viewer,
                draft,
                previews=previews,
                purpose=_editing(post_id, published),
            )
        changes: dict[str, Any] = {
            "title": title.strip() or None,
            "body": body,
            "link": link.strip() or None,
        }
        if not published:
            changes["channel_ids"] = draft.channels()
            if (date, time) != local_parts(post.scheduled_at, post.scheduled_zone):
                changes["scheduled_at"] = draft.scheduled_at()
        await posts.update(
            session,
            viewer.actor,
            post_id,
            validated(PostUpdate, **changes),
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
        if published:
            sent.append(viewer)
            return go(state, f"/app/posts/{post_id}?done=edited")
        return go(state, f"/app/posts/{post_id}?done=saved")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        post, published = await _read(session, viewer, post_id)
        draft = _draft_of(post, published, channel_ids, title, body, link, date, time)
        return await page(
            request,
            session,
            state,
            viewer,
            draft,
            errors={field_of(error): error.message(page_locale(request))},
            purpose=_editing(post_id, published),
            status_code=error.status,
        )

    async with unit_of_work(state.session_factory) as session:
        response = await answer(request, session, state, act, refused)
    if sent:
        await aftercare.revise_all(state, sent[0].actor, post_id)
    return response


def _draft_of(
    post: PostRead,
    published: bool,
    channel_ids: list[str] | None,
    title: str,
    body: str,
    link: str,
    date: str,
    time: str,
) -> Draft:
    """The form as sent; for a published post, its time and channels as they are (the form
    shows them, and cannot change them)."""
    if published:
        channel_ids = [str(d.channel_id) for d in post.deliveries if d.status != "cancelled"]
        date, time = local_parts(post.scheduled_at, post.scheduled_zone)
    return Draft(str(post.client_id), tuple(channel_ids or ()), title, body, link, date, time)
