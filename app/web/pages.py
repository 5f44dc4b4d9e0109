"""The web app: first-run setup, login, and the signed-in home page. Forms work without JavaScript."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service as accounts
from app.accounts.actor import Actor
from app.accounts.dependencies import Session, State
from app.errors import AppError
from app.kit.i18n import normalise_locale
from app.people import setup
from app.posts import service as posts
from app.web.rendering import page_locale, render

router = APIRouter(include_in_schema=False)


def _signed_in(request: Request) -> int | None:
    person_id = request.session.get("person_id")
    return int(person_id) if person_id is not None else None


@router.get("/")
async def root(request: Request, session: Session) -> Response:
    if not await setup.is_set_up(session):
        return RedirectResponse("/setup", status_code=303)
    return RedirectResponse("/app" if _signed_in(request) else "/login", status_code=303)


@router.get("/setup")
async def setup_form(request: Request, session: Session) -> Response:
    if await setup.is_set_up(session):
        return RedirectResponse("/login", status_code=303)
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
    request.session["person_id"] = result.owner.id
    return RedirectResponse("/app", status_code=303)


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
        actor = await accounts.authenticate_password(session, email, password, now=state.clock())
    except AppError as error:
        return render(
            "web/login.html",
            locale=locale,
            request=request,
            status_code=error.status,
            email=email,
            error=error.message(locale),
        )
    request.session.clear()
    request.session["person_id"] = actor.person_id
    return RedirectResponse("/app", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
async def choose_language(request: Request, lang: Annotated[str, Form()]) -> Response:
    target = request.headers.get("referer") or "/"
    response = RedirectResponse(target if target.startswith(str(request.base_url)) else "/", 303)
    response.set_cookie("lang", normalise_locale(lang), max_age=365 * 24 * 3600, samesite="lax")
    return response


async def _actor(request: Request, session: Session) -> Actor | None:
    person_id = _signed_in(request)
    if person_id is None:
        return None
    try:
        return await accounts.actor_for(session, person_id)
    except AppError:
        request.session.clear()
        return None


_TO_LOGIN = RedirectResponse("/login", status_code=303)


@router.get("/app")
async def home(request: Request, session: Session) -> Response:
    actor = await _actor(request, session)
    if actor is None:
        return _TO_LOGIN
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
async def tokens_page(request: Request, session: Session) -> Response:
    actor = await _actor(request, session)
    if actor is None:
        return _TO_LOGIN
    return await _tokens_page(request, session, actor, None)


@router.post("/app/tokens")
async def tokens_create(
    request: Request,
    session: Session,
    state: State,
    name: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    actor = await _actor(request, session)
    if actor is None:
        return _TO_LOGIN
    _, raw = await accounts.create_token(session, actor, name, now=state.clock())
    return await _tokens_page(request, session, actor, raw)


@router.post("/app/tokens/{token_id}/revoke")
async def tokens_revoke(
    request: Request, session: Session, state: State, token_id: int
) -> Response:
    actor = await _actor(request, session)
    if actor is None:
        return _TO_LOGIN
    await accounts.revoke_token(session, actor, token_id, now=state.clock())
    return RedirectResponse("/app/tokens", status_code=303)
