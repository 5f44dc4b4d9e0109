"""The web app: first-run setup, login, and the signed-in home page. Forms work without JavaScript.

A signed-in browser holds a `byline_session` cookie naming a session kept on the server
(app.accounts.sessions). Redirects lead to BYLINE_BASE_URL, never to what the Host header says."""

from datetime import timedelta
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
from app.posts import service as posts
from app.state import AppState
from app.web.rendering import page_locale, render

router = APIRouter(include_in_schema=False)


def _go(state: AppState, path: str) -> RedirectResponse:
    """A redirect to one of our pages: at BYLINE_BASE_URL when the operator set it (a public
    address behind a proxy), else a path, which the browser reads against the address it used
    (localhost, a LAN address). Never built from the Host header."""
    settings = state.settings
    return RedirectResponse(
        (settings.base_url if settings.base_url_configured else "") + path, status_code=303
    )


def _lifetime(state: AppState) -> sessions.Lifetime:
    return sessions.Lifetime(
        max_age=timedelta(seconds=state.settings.session_max_age),
        idle=timedelta(seconds=state.settings.session_idle_timeout),
    )


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _sign_in(
    request: Request, session: Session, state: State, actor: Actor
) -> RedirectResponse:
    """A new session (the one the browser held before ends), and the way home."""
    raw = await sessions.start(
        session,
        actor,
        now=state.clock(),
        lifetime=_lifetime(state),
        user_agent=request.headers.get("user-agent"),
        address=_address(request),
        replacing=request.cookies.get(sessions.COOKIE),
    )
    response = _go(state, "/app")
    response.set_cookie(
        sessions.COOKIE,
        raw,
        max_age=state.settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=state.settings.cookies_secure,
    )
    return response


async def _signed_in(request: Request, session: Session, state: State) -> Actor | None:
    signed = await sessions.resume(
        session, request.cookies.get(sessions.COOKIE), now=state.clock(), lifetime=_lifetime(state)
    )
    return signed.actor if signed else None


@router.get("/")
async def root(request: Request, session: Session, state: State) -> Response:
    if not await setup.is_set_up(session):
        return _go(state, "/setup")
    return _go(state, "/app" if await _signed_in(request, session, state) else "/login")


@router.get("/setup")
async def setup_form(request: Request, session: Session, state: State) -> Response:
    if await setup.is_set_up(session):
        return _go(state, "/login")
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
            session, state.throttle, email, password, address=_address(request), now=state.clock()
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
    response = _go(state, "/login")
    response.delete_cookie(
        sessions.COOKIE, httponly=True, samesite="lax", secure=state.settings.cookies_secure
    )
    return response


@router.post("/lang")
async def choose_language(
    request: Request, state: State, lang: Annotated[str, Form(max_length=10)]
) -> Response:
    """Back to the page the choice was made on, when it is one of ours."""
    # Only the referring page's path is kept: the redirect stays on Byline whatever it names.
    path = urlsplit(request.headers.get("referer") or "").path or "/"
    # "//host" and "/\\host" would leave Byline when the redirect is a bare path.
    safe = path.startswith("/") and not path.startswith(("//", "/\\"))
    response = _go(state, path if safe else "/")
    response.set_cookie(
        "lang",
        normalise_locale(lang),
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=state.settings.cookies_secure,
    )
    return response


@router.get("/app")
async def home(request: Request, session: Session, state: State) -> Response:
    actor = await _signed_in(request, session, state)
    if actor is None:
        return _go(state, "/login")
    recent = await posts.list_posts(
        session,
        actor,
        client_id=None,
        status=None,
        author_id=None,
        scheduled_from=None,
        scheduled_to=None,
        limit=50,
        offset=0,
    )
    return render(
        "web/home.html",
        locale=page_locale(request),
        request=request,
        posts=await posts.read_many(session, recent),
        role=actor.role.value,
    )


async def _tokens_page(
    request: Request, session: Session, actor: Actor, new_token: str | None
) -> Response:
    return render(
        "web/tokens.html",
        locale=page_locale(request),
        request=request,
        tokens=await accounts.list_tokens(session, actor),
        new_token=new_token,
    )


@router.get("/app/tokens")
async def tokens_page(request: Request, session: Session, state: State) -> Response:
    actor = await _signed_in(request, session, state)
    if actor is None:
        return _go(state, "/login")
    return await _tokens_page(request, session, actor, None)


@router.post("/app/tokens")
async def tokens_create(
    request: Request,
    session: Session,
    state: State,
    name: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    actor = await _signed_in(request, session, state)
    if actor is None:
        return _go(state, "/login")
    _, raw = await accounts.create_token(session, actor, name, now=state.clock())
    page = await _tokens_page(request, session, actor, raw)
    page.headers["Cache-Control"] = "no-store"  # the page shows the token's value
    return page


@router.post("/app/tokens/{token_id}/revoke")
async def tokens_revoke(request: Request, session: Session, state: State, token_id: Id) -> Response:
    actor = await _signed_in(request, session, state)
    if actor is None:
        return _go(state, "/login")
    await accounts.revoke_token(session, actor, token_id, now=state.clock())
    return _go(state, "/app/tokens")
