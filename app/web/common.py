"""What every signed-in page shares: who is looking (the viewer), redirects to BYLINE_BASE_URL,
and the session cookie.

The viewer is kept on the request, so that an error page raised later still shows the
navigation of the person who met it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import sessions
from app.accounts.actor import Actor
from app.clients import service as clients
from app.engagements import service as engagements
from app.engagements.schemas import EngagementStatus
from app.errors import AppError
from app.people import service as people
from app.state import AppState

CLIENT_COOKIE = "byline_client"


@dataclass(frozen=True)
class ClientChoice:
    id: int
    name: str


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    full_name: str
    short_name: str | None
    photo_url: str | None
    locale: str
    organisation: str
    clients: list[ClientChoice]
    """Those the viewer can act for: every client for an owner or manager, the accepted ones
    for a CM."""
    client_id: int | None
    """The client chosen in the switcher, if any."""

    @property
    def is_manager(self) -> bool:
        return self.actor.is_manager

    @property
    def greeting_name(self) -> str:
        return self.short_name or self.full_name

    @property
    def client_name(self) -> str | None:
        return next((c.name for c in self.clients if c.id == self.client_id), None)


def go(state: AppState, path: str) -> RedirectResponse:
    """A redirect to one of our pages: at BYLINE_BASE_URL when the operator set it (a public
    address behind a proxy), else a path, which the browser reads against the address it used
    (localhost, a LAN address). Never built from the Host header."""
    settings = state.settings
    return RedirectResponse(
        (settings.base_url if settings.base_url_configured else "") + path, status_code=303
    )


def lifetime(state: AppState) -> sessions.Lifetime:
    return sessions.Lifetime(
        max_age=timedelta(seconds=state.settings.session_max_age),
        idle=timedelta(seconds=state.settings.session_idle_timeout),
    )


def address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def signed_in(request: Request, session: AsyncSession, state: AppState) -> Actor | None:
    signed = await sessions.resume(
        session, request.cookies.get(sessions.COOKIE), now=state.clock(), lifetime=lifetime(state)
    )
    return signed.actor if signed else None


async def start_session(
    request: Request, session: AsyncSession, state: AppState, actor: Actor, response: Response
) -> None:
    """A new session on `response` (the one the browser held before ends)."""
    raw = await sessions.start(
        session,
        actor,
        now=state.clock(),
        lifetime=lifetime(state),
        user_agent=request.headers.get("user-agent"),
        address=address(request),
        replacing=request.cookies.get(sessions.COOKIE),
    )
    response.set_cookie(
        sessions.COOKIE,
        raw,
        max_age=state.settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=state.settings.cookies_secure,
    )


async def _client_choices(session: AsyncSession, actor: Actor) -> list[ClientChoice]:
    if actor.is_manager:
        rows = await clients.list_clients(session, actor)
    else:
        accepted = await engagements.list_engagements(
            session,
            actor,
            client_id=None,
            person_id=actor.person_id,
            status=EngagementStatus.ACCEPTED,
        )
        found = await clients.get_many(session, sorted({e.client_id for e in accepted}))
        rows = list(found.values())
    return sorted((ClientChoice(c.id, c.name) for c in rows), key=lambda c: c.name.casefold())


async def viewer_of(request: Request, session: AsyncSession, state: AppState) -> Viewer | None:
    """The signed-in person looking at the page, or None (the page then sends them to log in)."""
    actor = await signed_in(request, session, state)
    if actor is None:
        return None
    person, _ = await people.get(session, actor, actor.person_id)
    choices = await _client_choices(session, actor)
    chosen = request.cookies.get(CLIENT_COOKIE, "")
    client_id = int(chosen) if chosen.isdigit() else None
    viewer = Viewer(
        actor=actor,
        full_name=person.full_name,
        short_name=person.short_name,
        photo_url=person.photo_url,
        locale=person.locale,
        organisation=await people.organisation_name(session, actor.organisation_id),
        clients=choices,
        client_id=client_id if any(c.id == client_id for c in choices) else None,
    )
    request.state.viewer = viewer
    return viewer


@asynccontextmanager
async def attempt(session: AsyncSession) -> AsyncIterator[None]:
    """A change a service may refuse half-way: on an AppError what it wrote is undone (a
    savepoint), and the page shows the refusal on the form instead of a separate error page."""
    async with session.begin_nested():
        yield


async def answer(
    request: Request,
    session: AsyncSession,
    state: AppState,
    act: Callable[[Viewer], Awaitable[Response]],
    refused: Callable[[Viewer, AppError], Awaitable[Response]],
    *,
    find: Callable[[Request, AsyncSession, AppState], Awaitable[Viewer | None]] | None = None,
) -> Response:
    """What every form does: the signed-out are sent to log in; `act` runs in a savepoint
    (`attempt`), and when a service refuses, what it wrote is undone and `refused` shows the
    page again with the refusal, next to what it refuses. `find` looks for the viewer when the
    page asks more of them (an owner or a manager); its refusal is an error page."""
    viewer = await (find or viewer_of)(request, session, state)
    if viewer is None:
        return go(state, "/login")
    try:
        async with attempt(session):
            return await act(viewer)
    except AppError as error:
        return await refused(viewer, error)
