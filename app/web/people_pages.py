"""People (owners and managers): the members, adding one with the name check, attesting a name
and withdrawing an attestation. The same services as /api/v1/people; a refusal re-renders the
page with the message next to the field or the person it concerns, and keeps what was typed."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Role
from app.accounts.dependencies import Session, State
from app.errors import AppError, validation_to_app_error
from app.identity import service as identity
from app.kit.fields import Id
from app.people import service as people
from app.people.schemas import PersonCreate
from app.state import AppState
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

_ADD_FIELDS = ("full_name", "short_name", "email", "role", "role_title", "photo_url")


def _refusal(error: AppError, locale: str) -> tuple[str, str]:
    """(field, message) of a refusal: the field it names, else the form as a whole."""
    return error.field or "form", error.message(locale)


async def _page(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    confirmable: bool = False,
    person_id: int | None = None,
    person_error: str | None = None,
    person_values: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request)
    rows = await people.list_people(session, viewer.actor)
    return render(
        "web/people.html",
        locale=locale,
        request=request,
        status_code=status_code,
        section="people",
        people=await people.read_many(session, viewer.actor.organisation_id, rows, locale),
        values=values or {},
        errors=errors or {},
        confirmable=confirmable,
        person_id=person_id,
        person_error=person_error,
        person_values=person_values or {},
        notice=notice or request.query_params.get("done"),
        can_name_managers=viewer.actor.role == Role.OWNER,
    )


async def _manager(request: Request, session: AsyncSession, state: AppState) -> Viewer | None:
    viewer = await viewer_of(request, session, state)
    if viewer is not None:
        viewer.actor.require_manager()
    return viewer


@router.get("/app/people")
async def people_page(request: Request, session: Session, state: State) -> Response:
    viewer = await _manager(request, session, state)
    if viewer is None:
        return go(state, "/login")
    return await _page(request, session, viewer)


@router.get("/app/people/name-check")
async def name_check(
    request: Request, session: Session, state: State, full_name: str = ""
) -> Response:
    """The name check of the add form, as the name is typed (static/people.js)."""
    viewer = await _manager(request, session, state)
    if viewer is None:
        return JSONResponse({"error": "signed_out"}, status_code=401)
    if not full_name.strip():
        return JSONResponse({"verdict": "", "message": ""})
    result = await people.check_name(session, viewer.actor.organisation_id, full_name[:200])
    return JSONResponse(
        {"verdict": result.verdict.value, "message": result.message(page_locale(request))}
    )


@router.post("/app/people")
async def add_person(
    request: Request,
    session: Session,
    state: State,
    full_name: Annotated[str, Form(max_length=200)] = "",
    short_name: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=20)] = "cm",
    role_title: Annotated[str, Form(max_length=120)] = "",
    photo_url: Annotated[str, Form(max_length=2000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm_name: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    locale = page_locale(request)
    values = {
        "full_name": full_name,
        "short_name": short_name,
        "email": email,
        "role": role,
        "role_title": role_title,
        "photo_url": photo_url,
    }

    async def act(viewer: Viewer) -> Response:
        try:
            data = PersonCreate(
                full_name=full_name,
                short_name=short_name.strip() or None,
                email=email,
                role=role,
                role_title=role_title.strip() or None,
                photo_url=photo_url.strip() or None,
                password=password or None,
                confirm_name=bool(confirm_name),
            )
        except ValidationError as invalid:
            raise validation_to_app_error(RequestValidationError(invalid.errors())) from None
        person, _, _ = await people.create(session, viewer.actor, data, now=state.clock())
        return go(state, f"/app/people?done=added#person-{person.id}")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        field, message = _refusal(error, locale)
        confirmable = False
        if error.code == "name_refused":
            check = await people.check_name(session, viewer.actor.organisation_id, full_name)
            confirmable = check.confirmable
        return await _page(
            request,
            session,
            viewer,
            values=values,
            errors={field if field in _ADD_FIELDS or field == "password" else "form": message},
            confirmable=confirmable,
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused, find=_manager)


@router.post("/app/people/{person_id}/attest")
async def attest(
    request: Request,
    session: Session,
    state: State,
    person_id: Id,
    method: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    locale = page_locale(request)

    async def act(viewer: Viewer) -> Response:
        try:
            chosen = identity.AttestMethod(method)
        except ValueError:
            raise AppError(
                "invalid_field",
                field="method",
                detail={
                    "en": "choose how you checked the name",
                    "fr": "choisissez comment vous avez vérifié le nom",
                },
            ) from None
        person, _ = await people.get(session, viewer.actor, person_id)
        check = await people.check_name(session, viewer.actor.organisation_id, person.full_name)
        await identity.attest(
            session,
            viewer.actor,
            person,
            method=chosen,
            note=note.strip() or None,
            confirm=bool(confirm),
            name_check=check,
            now=state.clock(),
        )
        return go(state, f"/app/people?done=attested#person-{person_id}")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        return await _page(
            request,
            session,
            viewer,
            person_id=person_id,
            person_error=error.message(locale) if error.code != "attest_needs_confirm" else None,
            person_values={"method": method, "note": note, "needs_confirm": error.code},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused, find=_manager)


@router.post("/app/people/{person_id}/withdraw")
async def withdraw(
    request: Request,
    session: Session,
    state: State,
    person_id: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    locale = page_locale(request)

    async def act(viewer: Viewer) -> Response:
        if not reason.strip():
            raise AppError("field_required", field="reason")
        person, _ = await people.get(session, viewer.actor, person_id)
        await identity.withdraw(
            session, viewer.actor, person, reason=reason.strip(), now=state.clock()
        )
        return go(state, f"/app/people?done=withdrawn#person-{person_id}")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        return await _page(
            request,
            session,
            viewer,
            person_id=person_id,
            person_error=error.message(locale),
            person_values={"reason": reason, "withdraw": "1"},
            status_code=error.status,
        )

    return await answer(request, session, state, act, refused, find=_manager)
