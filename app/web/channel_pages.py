"""A client's channels: add a built-in blog, a Facebook Page, a WordPress or a Ghost site, check one,
reconnect one with new credentials. The same services as /api/v1/clients/{id}/channels and
/api/v1/channels/{id}; credentials are never shown back, not even on a refused form.

Adding a channel looks its addresses up and a check asks the channel itself: like the API,
those steps hold no transaction (on SQLite one would hold the write lock meanwhile), so these
pages open short ones around them instead of the request's."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import Session, State
from app.channels import service as channels
from app.channels.schemas import ChannelCreate, ChannelUpdate
from app.channels.wording import check_detail
from app.db import unit_of_work
from app.errors import AppError
from app.kit.fields import Id
from app.state import AppState
from app.web.clients_pages import CHANNEL_KINDS, Refused, client_page, validated
from app.web.common import Viewer, answer, go, viewer_of
from app.web.rendering import page_locale

router = APIRouter()


async def _viewer(request: Request, state: AppState) -> Viewer | None:
    async with unit_of_work(state.session_factory) as session:
        return await viewer_of(request, session, state)


def _settings(
    kind: str, page_id: str, site_url: str, username: str, secret: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config, credentials) of a channel of `kind` from the form's fields."""
    if kind == "facebook_page":
        return {"page_id": page_id.strip()}, {"page_access_token": secret}
    if kind == "wordpress":
        return {"site_url": site_url.strip()}, {
            "username": username.strip(),
            "application_password": secret,
        }
    if kind == "ghost":
        return {"site_url": site_url.strip()}, {"admin_api_key": secret}
    return {}, {}


async def _refused(
    request: Request, state: AppState, viewer: Viewer, client_id: int, refused: Refused
) -> Response:
    async with unit_of_work(state.session_factory) as session:
        return await client_page(request, session, state, viewer, client_id, refused)


@router.post("/app/clients/{client_id}/channels")
async def add_channel(
    request: Request,
    state: State,
    client_id: Id,
    kind: Annotated[str, Form(max_length=50)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    page_id: Annotated[str, Form(max_length=100)] = "",
    site_url: Annotated[str, Form(max_length=2000)] = "",
    username: Annotated[str, Form(max_length=200)] = "",
    secret: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    viewer = await _viewer(request, state)
    if viewer is None:
        return go(state, "/login")
    form = f"channel-{kind}" if kind in CHANNEL_KINDS else "channel-local_blog"
    # What was typed, but never a secret.
    values = {"name": name, "page_id": page_id, "site_url": site_url, "username": username}
    try:
        config, credentials = _settings(kind, page_id, site_url, username, secret)
        data = validated(
            ChannelCreate, kind=kind, name=name.strip(), config=config, credentials=credentials
        )
        vetted = await channels.vet_config(
            viewer.actor,
            data.kind,
            data.config,
            registry=state.registry,
            destinations=state.destinations,
        )
        async with unit_of_work(state.session_factory) as session:
            channel = await channels.create(
                session,
                viewer.actor,
                client_id,
                data,
                vetted,
                registry=state.registry,
                fernet=state.fernet,
                now=state.clock(),
            )
    except AppError as error:
        # "config.site_url" and the like: the form has one field for each part.
        error.field = (error.field or "form").split(".")[0]
        refused = Refused.of(form, error, page_locale(request), values)
        return await _refused(request, state, viewer, client_id, refused)
    return go(state, f"/app/clients/{client_id}?done=channel#channel-{channel.id}")


@router.post("/app/channels/{channel_id}/check")
async def check_channel(request: Request, state: State, channel_id: Id) -> Response:
    """Asks the channel and shows its answer on the client's page; a channel waiting for new
    credentials goes back to work when an owner or a manager checks it fine."""
    viewer = await _viewer(request, state)
    if viewer is None:
        return go(state, "/login")
    async with unit_of_work(state.session_factory) as session:
        channel, context = await channels.checkable(
            session, viewer.actor, channel_id, registry=state.registry, fernet=state.fernet
        )
    result = await channels.check(
        channel, context, registry=state.registry, time_limit=state.settings.publish_timeout
    )
    async with unit_of_work(state.session_factory) as session:
        answer = await channels.after_check(
            session, viewer.actor, channel_id, result, now=state.clock()
        )
        # In the reader's words when the connector named what it found (its account's name
        # kept as reported); else its own English. An answer of several lines, line by line.
        locale = page_locale(request)
        if answer.lines:
            said = "\n".join(
                check_detail(line.code, line.params, line.detail, locale) for line in answer.lines
            )
        else:
            said = check_detail(answer.code, answer.params, result.detail, locale)
        answer = answer.model_copy(update={"detail": said})
        return await client_page(
            request, session, state, viewer, channel.client_id, checked={channel_id: answer}
        )


@router.post("/app/channels/{channel_id}/reconnect")
async def reconnect_channel(
    request: Request,
    session: Session,
    state: State,
    channel_id: Id,
    username: Annotated[str, Form(max_length=200)] = "",
    secret: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """New credentials (nothing is looked up: the channel's addresses stay as they were); a
    check then releases what the channel held."""
    client_ids: list[int] = []

    async def act(viewer: Viewer) -> Response:
        channel = await channels.get(session, viewer.actor, channel_id)
        client_ids.append(channel.client_id)
        _, credentials = _settings(channel.kind, "", "", username, secret)
        data = validated(ChannelUpdate, credentials=credentials)
        await channels.update(
            session,
            viewer.actor,
            channel_id,
            data,
            registry=state.registry,
            fernet=state.fernet,
            now=state.clock(),
        )
        return go(state, f"/app/clients/{client_ids[0]}?done=reconnected#channel-{channel_id}")

    async def refused(viewer: Viewer, error: AppError) -> Response:
        if not client_ids:
            raise error  # no such channel for the viewer: an error page, not a form's refusal
        shown = Refused.of(
            f"reconnect-{channel_id}", error, page_locale(request), {"username": username}
        )
        return await client_page(request, session, state, viewer, client_ids[0], shown)

    return await answer(request, session, state, act, refused)


_AUTHOR_FIELD = "author_"
_MAX_AUTHORS = 500


@router.post("/app/channels/{channel_id}/authors")
async def channel_authors(request: Request, state: State, channel_id: Id) -> Response:
    """Who a WordPress site shows as the author of each person's posts: a WordPress user id by
    hand (`author_<person id>`; empty: found by e-mail), and whether the posts of people it has no
    user for may go out under the account's name. Then a check says what WordPress will show."""
    viewer = await _viewer(request, state)
    if viewer is None:
        return go(state, "/login")
    submitted = await request.form(max_fields=_MAX_AUTHORS + 10)
    async with unit_of_work(state.session_factory) as session:
        channel = await channels.get(session, viewer.actor, channel_id)
    form = f"authors-{channel_id}"
    author_ids = {
        key.removeprefix(_AUTHOR_FIELD): value.strip()
        for key, value in submitted.items()
        if key.startswith(_AUTHOR_FIELD) and isinstance(value, str) and value.strip()
    }
    config = {
        **channel.config,
        "author_ids": author_ids,
        "accept_account_author": submitted.get("accept_account_author") == "1",
    }
    try:
        data = validated(ChannelUpdate, config=config)
        vetted = await channels.vet_config(
            viewer.actor,
            channel.kind,
            config,
            registry=state.registry,
            destinations=state.destinations,
        )
        async with unit_of_work(state.session_factory) as session:
            await channels.update(
                session,
                viewer.actor,
                channel_id,
                data,
                vetted,
                registry=state.registry,
                fernet=state.fernet,
                now=state.clock(),
            )
    except AppError as error:
        values = {f"{_AUTHOR_FIELD}{key}": value for key, value in author_ids.items()}
        refused = Refused.of(form, error, page_locale(request), values)
        return await _refused(request, state, viewer, channel.client_id, refused)
    return go(state, f"/app/clients/{channel.client_id}?done=authors#channel-{channel_id}")
