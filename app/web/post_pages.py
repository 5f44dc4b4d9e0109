"""A post's pages: the list with its filters, and the detail, where each delivery says in words
what happened to it and offers what a person can do (confirm it was published or publish it
again when its outcome is unknown, cancel, edit (before it goes out; once it went out, its words,
and each channel says whether it took the edit), re-sync or take down what went out). The same services as
/api/v1/posts and /api/v1/deliveries; a refusal shows on the page, next to what it refuses."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.aftercare import service as aftercare
from app.channels import service as channels
from app.clients import service as clients
from app.db import read_only, unit_of_work
from app.deliveries import service as deliveries
from app.deliveries.states import NOT_STARTED, DeliveryStatus, PostStatus
from app.errors import AppError
from app.handovers import service as handovers
from app.handovers.schemas import HandoverStatus
from app.kit.fields import Id
from app.kit.time import as_utc
from app.people import service as people
from app.posts import service as posts
from app.posts.schemas import DeliveryRead
from app.state import AppState
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

_S = DeliveryStatus
# What an author can no longer do when the rules that let them sign stop holding.
_CANNOT_SIGN = ("author_not_attested", "no_engagement", "author_left", "engagement_")


def reason_kind(delivery: DeliveryRead, channel_status: str | None) -> str | None:
    """Which explanation, in the reader's language, a delivery's state calls for. The stored
    reason is the dispatcher's own (English) wording: it is shown too, as a detail."""
    said = delivery.last_error or ""
    if delivery.status == _S.HELD:
        if said.startswith("the channel's settings"):
            return "settings"
        if channel_status == "needs_reauth" or said.startswith("reconnect the channel"):
            return "reauth"
        if said.startswith("handed over"):
            return "handed_over"
        if said.startswith(_CANNOT_SIGN):
            return "cannot_sign"
        return "held"
    if delivery.status == _S.NEEDS_ATTENTION:
        return "check"
    if delivery.status == _S.UNKNOWN:
        return "checking"
    if delivery.status == _S.RETRYING:
        return "retry"
    if delivery.status == _S.FAILED:
        return "deadline" if "deadline" in said else "refused"
    if delivery.status == _S.CANCELLED and said.startswith("taken over"):
        return "taken_over"
    return None


async def _detail(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    post_id: int,
    *,
    refusal: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """`refusal`: (what it is about — "post" or "delivery-<id>" — and the message)."""
    post = (await posts.read_many(session, [await posts.get(session, viewer.actor, post_id)]))[0]
    client = await clients.get(session, viewer.actor, post.client_id)
    found = await channels.get_many(session, [d.channel_id for d in post.deliveries])
    waiting = any(d.status in NOT_STARTED for d in post.deliveries)
    went_out = any(d.status == _S.PUBLISHED for d in post.deliveries)
    mine = post.author.id == viewer.actor.person_id
    state: AppState = request.app.state.byline
    registry = state.registry
    updatable: set[int] = set()
    for channel in found.values():
        connector_class = registry.get_class(channel.kind)
        if connector_class is not None and connector_class.can_update():
            updatable.add(channel.id)
    return render(
        "web/post.html",
        locale=page_locale(request),
        request=request,
        status_code=status_code,
        section="posts",
        post=post,
        zone=client.timezone,
        calendar_day=as_utc(post.scheduled_at).astimezone(ZoneInfo(client.timezone)).date(),
        client_name=client.name,
        channels=found,
        reasons={
            d.id: reason_kind(d, found[d.channel_id].status if d.channel_id in found else None)
            for d in post.deliveries
        },
        can_edit=mine
        and (went_out or (waiting and post.status in (PostStatus.SCHEDULED, PostStatus.HELD))),
        updatable=updatable,
        can_cancel=(mine or viewer.is_manager) and waiting,
        can_decide=mine or viewer.is_manager,
        take_over_url=await _take_over_url(session, viewer, post.id, post.client_id, post.author.id)
        if post.status == PostStatus.HELD and not mine
        else None,
        refusal=refusal,
        notice=request.query_params.get("done"),
    )


async def _take_over_url(
    session: AsyncSession, viewer: Viewer, post_id: int, client_id: int, author_id: int
) -> str | None:
    """Where the viewer takes over a held post: when a handover of its client from its author
    to the viewer took effect (the service checks again that it held this post)."""
    for handover in await handovers.list_handovers(
        session, viewer.actor, client_id=client_id, status=HandoverStatus.EFFECTIVE
    ):
        if (
            handover.outgoing_person_id == author_id
            and handover.incoming_person_id == viewer.actor.person_id
        ):
            return f"/app/handovers/{handover.id}/posts/{post_id}/take-over"
    return None


@router.get("/app/posts/{post_id}")
async def detail(request: Request, session: Session, state: State, post_id: Id) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _detail(request, session, viewer, post_id)


async def _confirm_cancel(
    request: Request, session: AsyncSession, viewer: Viewer, post_id: int
) -> Response:
    post = (await posts.read_many(session, [await posts.get(session, viewer.actor, post_id)]))[0]
    client = await clients.get(session, viewer.actor, post.client_id)
    found = await channels.get_many(session, [d.channel_id for d in post.deliveries])
    return render(
        "web/post_cancel.html",
        locale=page_locale(request),
        request=request,
        section="posts",
        post=post,
        zone=client.timezone,
        client_name=client.name,
        channel_names=[
            found[d.channel_id].name
            for d in post.deliveries
            if d.status in NOT_STARTED and d.channel_id in found
        ],
    )


@router.get("/app/posts/{post_id}/cancel")
async def cancel_question(
    request: Request, session: Session, state: State, post_id: Id
) -> Response:
    """Cancelling asks first: this page says what would not go out, and where."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _confirm_cancel(request, session, viewer, post_id)


@router.post("/app/posts/{post_id}/cancel")
async def cancel(
    request: Request,
    session: Session,
    state: State,
    post_id: Id,
    confirmed: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Cancels once confirmed (`confirmed=yes`, the question page's button); without it, asks."""

    async def act(viewer: Viewer) -> Response:
        if confirmed != "yes":
            return await _confirm_cancel(request, session, viewer, post_id)
        await posts.cancel(session, viewer.actor, post_id, now=state.clock())
        return go(state, f"/app/posts/{post_id}?done=cancelled")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        message = error.message(page_locale(request))
        return await _detail(
            request, session, viewer, post_id, refusal=("post", message), status_code=error.status
        )

    return await answer(request, session, state, act, refused)


async def _decided(
    request: Request,
    session: AsyncSession,
    state: AppState,
    delivery_id: Id,
    post_id: Id,
    *,
    published: bool,
    external_url: str,
) -> Response:
    async def act(viewer: Viewer) -> Response:
        await posts.get(session, viewer.actor, post_id)
        if published:
            await deliveries.confirm_published(
                session,
                viewer.actor,
                delivery_id,
                external_url=external_url.strip() or None,
                now=state.clock(),
            )
        else:
            await deliveries.publish_again(
                session,
                viewer.actor,
                delivery_id,
                default_minutes=state.settings.publish_deadline_minutes,
                now=state.clock(),
            )
        return go(state, f"/app/posts/{post_id}?done={'confirmed' if published else 'again'}")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        return await _detail(
            request,
            session,
            viewer,
            post_id,
            refusal=(f"delivery-{delivery_id}", error.message(page_locale(request))),
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused)


@router.post("/app/posts/{post_id}/deliveries/{delivery_id}/confirm-published")
async def confirm_published(
    request: Request,
    session: Session,
    state: State,
    post_id: Id,
    delivery_id: Id,
    external_url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return await _decided(
        request, session, state, delivery_id, post_id, published=True, external_url=external_url
    )


@router.post("/app/posts/{post_id}/deliveries/{delivery_id}/publish-again")
async def publish_again(
    request: Request, session: Session, state: State, post_id: Id, delivery_id: Id
) -> Response:
    return await _decided(
        request, session, state, delivery_id, post_id, published=False, external_url=""
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@router.get("/app/posts")
async def post_list(
    request: Request,
    session: Session,
    state: State,
    client: str = "",
    author: str = "",
    status: str = "",
    start: str = "",
    end: str = "",
) -> Response:
    """The posts, newest first, filtered by client, author (owners and managers), status and
    days; the days are read in the chosen client's zone (UTC when every client is shown)."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    # No choice yet follows the client switcher; "all" is every client.
    client_id = int(client) if client.isdigit() else None if client == "all" else viewer.client_id
    if client_id is not None and all(c.id != client_id for c in viewer.clients):
        client_id = None
    zone_name = "UTC"
    if client_id is not None:
        zone_name = (await clients.get(session, viewer.actor, client_id)).timezone
    zone = ZoneInfo(zone_name)
    first, last = _day(start), _day(end)
    chosen_status = status if status in set(PostStatus) else None
    found = await posts.list_posts(
        session,
        viewer.actor,
        client_id=client_id,
        status=chosen_status,
        author_id=int(author) if author.isdigit() and viewer.is_manager else None,
        scheduled_from=datetime.combine(first, time(), zone).astimezone(UTC) if first else None,
        scheduled_to=(
            datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
            if last
            else None
        ),
        limit=200,
        offset=0,
    )
    zones = {
        c.id: c.timezone
        for c in (await clients.get_many(session, sorted({p.client_id for p in found}))).values()
    }
    authors = []
    if viewer.is_manager:
        authors = sorted(
            (
                (person.id, person.full_name)
                for person, _ in await people.list_people(session, viewer.actor)
            ),
            key=lambda pair: pair[1].casefold(),
        )
    return render(
        "web/posts.html",
        locale=page_locale(request),
        request=request,
        section="posts",
        posts=await posts.read_many(session, found),
        zones=zones,
        zone=zone_name,
        authors=authors,
        statuses=list(PostStatus),
        chosen={
            "client": client_id,
            "author": author if viewer.is_manager else "",
            "status": chosen_status or "",
            "start": first.isoformat() if first else "",
            "end": last.isoformat() if last else "",
        },
    )


@router.post("/app/posts/{post_id}/deliveries/{delivery_id}/{action}")
async def after_publishing(
    request: Request, state: State, post_id: Id, delivery_id: Id, action: str
) -> Response:
    """Re-sync a published delivery, take its post down from the channel, or send it an edit
    it did not take ("update"). The channel is asked with no transaction open (no request
    session here: each step has its own)."""
    if action not in ("resync", "remove", "update"):
        raise AppError("route_not_found")
    async with unit_of_work(state.session_factory) as session:
        viewer = await viewer_of(request, session, state)
        if viewer is not None:
            await posts.get(session, viewer.actor, post_id)
    if viewer is None:
        return go(state, "/login")
    try:
        if action == "resync":
            await aftercare.resync(state, viewer.actor, delivery_id)
        elif action == "update":
            await aftercare.revise(state, viewer.actor, delivery_id)
        else:
            await aftercare.remove(state, viewer.actor, delivery_id)
    except AppError as error:
        async with read_only(state.session_factory) as session:
            return await _detail(
                request,
                session,
                viewer,
                post_id,
                refusal=(f"delivery-{delivery_id}", error.message(page_locale(request))),
                status_code=error.status,
            )
    done = {"resync": "resynced", "remove": "taken_down", "update": "edited"}[action]
    return go(state, f"/app/posts/{post_id}?done={done}")
