"""My profile, for everyone: how greetings call me, my role title, my photo, my language and my
password (PATCH /api/v1/people/{id} through the same service). The signing name is not changed
here: a new name needs a new attestation, which an owner or manager gives."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import Session, State
from app.errors import AppError, validation_to_app_error
from app.kit.passwords import verify_password
from app.people import service as people
from app.people.schemas import PersonUpdate
from app.web.common import Viewer, answer, go, start_session, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()


async def _page(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    locale: str | None = None,
) -> Response:
    row = await people.get(session, viewer.actor, viewer.actor.person_id)
    page_lang = locale or page_locale(request)
    me = (await people.read_many(session, viewer.actor.organisation_id, [row], page_lang))[0]
    shown = {
        "short_name": me.short_name or "",
        "role_title": me.role_title or "",
        "photo_url": me.photo_url or "",
        "locale": me.locale,
    } | (values or {})
    return render(
        "web/profile.html",
        locale=page_lang,
        request=request,
        status_code=status_code,
        section="profile",
        me=me,
        values=shown,
        errors=errors or {},
        notice=request.query_params.get("done"),
    )


def _update(**fields: object) -> PersonUpdate:
    try:
        return PersonUpdate(**fields)
    except ValidationError as invalid:
        raise validation_to_app_error(RequestValidationError(invalid.errors())) from None


@router.get("/app/profile")
async def profile(request: Request, session: Session, state: State) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _page(request, session, viewer)


@router.post("/app/profile")
async def save_profile(
    request: Request,
    session: Session,
    state: State,
    short_name: Annotated[str, Form(max_length=200)] = "",
    role_title: Annotated[str, Form(max_length=200)] = "",
    photo_url: Annotated[str, Form(max_length=2000)] = "",
    locale: Annotated[str, Form(max_length=10)] = "en",
) -> Response:
    values = {
        "short_name": short_name,
        "role_title": role_title,
        "photo_url": photo_url,
        "locale": locale,
    }

    async def act(viewer: Viewer) -> Response:
        data = _update(
            short_name=short_name.strip() or None,
            role_title=role_title.strip() or None,
            photo_url=photo_url.strip() or None,
            locale=locale,
        )
        await people.update(session, viewer.actor, viewer.actor.person_id, data, now=state.clock())
        response = go(state, "/app/profile?done=saved")
        # The language chosen here is the one the pages speak from now on.
        response.set_cookie(
            "lang",
            data.locale or "en",
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=state.settings.cookies_secure,
        )
        return response

    async def refused(viewer: Viewer, error: AppError) -> Response:
        message = error.message(page_locale(request))
        return await _page(
            request,
            session,
            viewer,
            values=values,
            errors={error.field or "form": message},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused)


@router.post("/app/profile/password")
async def change_password(
    request: Request,
    session: Session,
    state: State,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A new password ends every session of the person (a stolen cookie stops working); this
    browser gets a new one."""
    locale = page_locale(request)

    async def act(viewer: Viewer) -> Response:
        person, _ = await people.get(session, viewer.actor, viewer.actor.person_id)
        if not verify_password(person.password_hash, current_password):
            raise AppError(
                "invalid_field",
                field="current_password",
                detail={
                    "en": "this is not your current password",
                    "fr": "ce n'est pas votre mot de passe actuel",
                },
            )
        data = _update(password=new_password)
        await people.update(session, viewer.actor, viewer.actor.person_id, data, now=state.clock())
        response = go(state, "/app/profile?done=password")
        await start_session(request, session, state, viewer.actor, response)
        return response

    async def refused(viewer: Viewer, error: AppError) -> Response:
        field = "current_password" if error.field == "current_password" else "new_password"
        return await _page(
            request,
            session,
            viewer,
            errors={field: error.message(locale)},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused)
