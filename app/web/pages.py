"""The web app: first-run setup, login, and the signed-in home page. Forms work without JavaScript.

A signed-in browser holds a `byline_session` cookie naming a session kept on the server
(app.accounts.sessions). Redirects lead to BYLINE_BASE_URL, never to what the Host header says."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service as accounts
from app.accounts import sessions
from app.accounts.actor import Actor, Role
from app.accounts.dependencies import Session, State
from app.errors import AppError
from app.kit.fields import Id
from app.kit.i18n import normalise_locale
from app.people import setup
from app.state import AppState
from app.web import (
    calendar,
    channel_pages,
    clients_pages,
    compose,
    handover_pages,
    handover_posts,
    home,
    leave_pages,
    people_pages,
    post_pages,
    profile,
)
from app.web.common import CLIENT_COOKIE, address, go, signed_in, start_session, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter(include_in_schema=False)
for section in (
    home.router,
    people_pages.router,
    profile.router,
    clients_pages.router,
    channel_pages.router,
    handover_pages.router,
    handover_posts.router,
    leave_pages.router,
    compose.router,
    post_pages.router,
    calendar.router,
):
    router.include_router(section)


async def _sign_in(
    request: Request, session: Session, state: State, actor: Actor
) -> RedirectResponse:
    """A new session (the one the browser held before ends), and the way home."""
    response = go(state, "/app")
    await start_session(request, session, state, actor, response)
    return response


@router.get("/")
async def root(request: Request, session: Session, state: State) -> Response:
    if not await setup.is_set_up(session):
        return go(state, "/setup")
    return go(state, "/app" if await signed_in(request, session, state) else "/login")


@router.get("/setup")
async def setup_form(request: Request, session: Session, state: State) -> Response:
    if await setup.is_set_up(session):
        return go(state, "/login")
    return render(
        "web/setup.html", locale=page_locale(request), request=request, values={}, error=None
    )


@router.post("/setup")
async def setup_submit(
    request: Request,
    session: Session,
    state: State,
    organisation: Annotated[str, Form(min_length=1, max_length=200)],
    email: Annotated[str, Form(min_length=3, max_length=320)],
    full_name: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(max_length=1000)],  # the rules: app.kit.passwords
    short_name: Annotated[str, Form(max_length=100)] = "",
    role_title: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    locale = page_locale(request)
    if await setup.is_set_up(session):
        raise AppError("already_set_up")
    values = {
        "organisation": organisation,
        "email": email,
        "full_name": full_name,
        "short_name": short_name,
        "role_title": role_title,
    }
    try:
        result = await setup.setup_organisation(
            session,
            organisation_name=organisation,
            email=email,
            full_name=full_name,
            short_name=short_name or None,
            role_title=role_title or None,
            password=password,
            locale=locale,
            now=state.clock(),
        )
    except AppError as error:
        return render(
            "web/setup.html",
            locale=locale,
            request=request,
            status_code=error.status,
            values=values,
            error=error.message(locale),
        )
    owner = Actor(
        person_id=result.owner.id, organisation_id=result.organisation.id, role=Role.OWNER
    )
    return await _sign_in(request, session, state, owner)


@router.get("/login")
async def login_form(request: Request) -> Response:
    return render(
        "web/login.html", locale=page_locale(request), request=request, email="", error=None
    )


@router.post("/login")
async def login_submit(
    request: Request,
    session: Session,
    state: State,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    locale = page_locale(request)
    try:
        actor = await accounts.log_in(
            session, state.throttle, email, password, address=address(request), now=state.clock()
        )
    except AppError as error:
        page = render(
            "web/login.html",
            locale=locale,
            request=request,
            status_code=error.status,
            email=email,
            error=error.message(locale),
        )
        page.headers.update(error.headers)
        return page
    return await _sign_in(request, session, state, actor)


@router.post("/logout")
async def logout(request: Request, session: Session, state: State) -> Response:
    await sessions.end(
        session, request.cookies.get(sessions.COOKIE), now=state.clock(), reason="logout"
    )
    response = go(state, "/login")
    response.delete_cookie(
        sessions.COOKIE, httponly=True, samesite="lax", secure=state.settings.cookies_secure
    )
    return response


@router.post("/lang")
async def choose_language(
    request: Request, state: State, lang: Annotated[str, Form(max_length=10)]
) -> Response:
    """Back to the page the choice was made on, when it is one of ours."""
    response = _back(request, state)
    response.set_cookie(
        "lang",
        normalise_locale(lang),
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=state.settings.cookies_secure,
    )
    return response


async def _tokens_page(
    request: Request, session: Session, actor: Actor, new_token: str | None
) -> Response:
    return render(
        "web/tokens.html",
        locale=page_locale(request),
        request=request,
        tokens=await accounts.list_tokens(session, actor),
        new_token=new_token,
        section="tokens",
    )


@router.get("/app/tokens")
async def tokens_page(request: Request, session: Session, state: State) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _tokens_page(request, session, viewer.actor, None)


@router.post("/app/tokens")
async def tokens_create(
    request: Request,
    session: Session,
    state: State,
    name: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    _, raw = await accounts.create_token(session, viewer.actor, name, now=state.clock())
    page = await _tokens_page(request, session, viewer.actor, raw)
    page.headers["Cache-Control"] = "no-store"  # the page shows the token's value
    return page


@router.post("/app/tokens/{token_id}/revoke")
async def tokens_revoke(request: Request, session: Session, state: State, token_id: Id) -> Response:
    actor = await signed_in(request, session, state)
    if actor is None:
        return go(state, "/login")
    await accounts.revoke_token(session, actor, token_id, now=state.clock())
    return go(state, "/app/tokens")


def _back(request: Request, state: AppState) -> RedirectResponse:
    """Back to the page a header form was sent from. Only the referring page's path is kept, so
    the redirect stays on Byline whatever the header names."""
    path = urlsplit(request.headers.get("referer") or "").path or "/"
    # "//host" and "/\\host" would leave Byline when the redirect is a bare path.
    safe = path.startswith("/") and not path.startswith(("//", "/\\"))
    return go(state, path if safe else "/")


@router.post("/app/client")
async def choose_client(
    request: Request,
    session: Session,
    state: State,
    client_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The client switcher: the pages show that client's work (an empty choice: every client)."""
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    response = _back(request, state)
    if client_id.isdigit() and any(c.id == int(client_id) for c in viewer.clients):
        response.set_cookie(
            CLIENT_COOKIE, client_id, samesite="lax", secure=state.settings.cookies_secure
        )
    else:
        response.delete_cookie(CLIENT_COOKIE, samesite="lax", secure=state.settings.cookies_secure)
    return response
