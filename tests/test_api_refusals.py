"""Every refusal of the REST API, as a caller meets it: a 4xx in the documented shape
`{"error": {"code", "message", "field"}}` whose message says how to fix it, and nothing written.

The helpers at the top are shared with test_api_posts.py and test_api_accounts.py. To stay fast,
one test tries several requests against one set-up; `case()` names the request that failed.
"""

import string
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from app.errors import CATALOGUE
from app.kit import passwords
from app.state import AppState
from tests.conftest import BASE_URL
from tests.factories import Org, Writer, bearer, engaged_writer, ok, setup_org, token_for

API = "/api/v1"


def _last_sunday(year: int, month: int) -> str:
    """The last Sunday of March or October (both have 31 days), when Europe changes time."""
    last = date(year, month, 31)
    return (last - timedelta(days=(last.weekday() + 1) % 7)).isoformat()


# Times in these tests fall next year, so they stay in the future whenever the tests run.
Y = datetime.now(UTC).year + 1
SPRING_FORWARD = _last_sunday(Y, 3)  # Europe/Paris clocks jump from 02:00 to 03:00
FALL_BACK = _last_sunday(Y, 10)  # and go back from 03:00 to 02:00


# --------------------------------------------------------------------------- shared helpers


def http_for(app: FastAPI) -> httpx.AsyncClient:
    """An API client that hands back the app's 500 responses instead of raising them, so a test
    sees the response a real caller would get."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its default cost is most of these tests' time (every organisation's owner has a
    password) and none of them is about passwords: hash them cheaply."""
    monkeypatch.setattr(
        passwords,
        "_hasher",
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        raising=False,
    )


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@contextmanager
def case(label: object) -> Iterator[None]:
    """Prefix a failed assertion with the name of the request being tried."""
    try:
        yield
    except AssertionError as error:
        raise AssertionError(f"[{label}] {error}") from error


def refused(
    response: httpx.Response,
    status: int,
    code: str,
    field: object = ...,
    *,
    says: str | tuple[str, ...] = (),
    extra: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Assert a documented refusal (status, shape, code, field, a filled-in message that contains
    `says`) and return its error object. `field=...` leaves the field unchecked; `extra` names
    keys a refusal adds (a batch's `items`)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    payload = response.json()
    assert list(payload) == ["error"], payload
    error: dict[str, Any] = payload["error"]
    assert set(error) == {"code", "message", "field"} | extra, error
    assert error["code"] == code, error
    assert CATALOGUE[code].status == status, f"{code} is documented as {CATALOGUE[code].status}"
    if field is not ...:
        assert error["field"] == field, error
    message = error["message"]
    assert isinstance(message, str) and len(message) > 20, error
    for _, placeholder, _, _ in string.Formatter().parse(CATALOGUE[code].en):
        assert not placeholder or f"{{{placeholder}}}" not in message, error
    for fragment in (says,) if isinstance(says, str) else says:
        assert fragment in message, (fragment, message)
    return error


async def post_json(
    http: httpx.AsyncClient, path: str, token: str, payload: Any = None, **headers: str
) -> httpx.Response:
    return await http.post(API + path, headers={**bearer(token), **headers}, json=payload)


async def get_json(http: httpx.AsyncClient, path: str, token: str, **params: Any) -> Any:
    return await ok(await http.get(API + path, headers=bearer(token), params=params))


async def snapshot(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """What an owner sees of their organisation through the API: people, clients and their
    channels, engagements, posts. Equal snapshots around a refusal show it wrote nothing."""
    view: dict[str, Any] = {}
    for path in ("/people", "/clients", "/engagements", "/posts"):
        view[path] = await get_json(http, path, token)
    for client in view["/clients"]:
        path = f"/clients/{client['id']}/channels"
        view[path] = await get_json(http, path, token)
    return view


def post_payload(writer: Writer, **changes: Any) -> dict[str, Any]:
    """A valid POST /posts body for `writer`; a change to None removes the field."""
    payload: dict[str, Any] = {
        "client_id": writer.client_id,
        "channel_ids": [writer.channel_id],
        "title": "Les galettes sont de retour",
        "body": "Dès samedi, nos galettes des rois reviennent.",
        "scheduled_at": f"{Y}-01-15T09:30:00+01:00",
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


async def create_post(
    http: httpx.AsyncClient, writer: Writer, token: str | None = None, **changes: Any
) -> dict[str, Any]:
    response = await post_json(
        http, "/posts", token or writer.token, post_payload(writer, **changes)
    )
    created: dict[str, Any] = await ok(response, 201)
    return created


async def add_person(
    http: httpx.AsyncClient,
    token: str,
    *,
    full_name: str,
    email: str,
    role: str = "cm",
    role_title: str = "Rédaction",
    attest: bool = True,
) -> dict[str, Any]:
    """A member added by `token`'s owner or manager, attested by them unless `attest=False`."""
    payload = {"email": email, "full_name": full_name, "role": role, "role_title": role_title}
    person: dict[str, Any] = await ok(await post_json(http, "/people", token, payload), 201)
    if attest:
        path = f"/people/{person['id']}/attest"
        await ok(await post_json(http, path, token, {"method": "declared"}))
    return person


async def add_client(
    http: httpx.AsyncClient, token: str, name: str, *, timezone: str = "Europe/Paris"
) -> dict[str, Any]:
    payload = {"name": name, "timezone": timezone, "locale": "fr"}
    client: dict[str, Any] = await ok(await post_json(http, "/clients", token, payload), 201)
    return client


async def add_blog(http: httpx.AsyncClient, token: str, client_id: int) -> dict[str, Any]:
    payload = {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}}
    path = f"/clients/{client_id}/channels"
    channel: dict[str, Any] = await ok(await post_json(http, path, token, payload), 201)
    return channel


async def engage(
    http: httpx.AsyncClient, owner_token: str, person_token: str, client_id: int, person_id: int
) -> dict[str, Any]:
    """Propose `client_id` to the person, who accepts it."""
    path = f"/clients/{client_id}/engagements"
    proposed = await ok(await post_json(http, path, owner_token, {"person_id": person_id}), 201)
    accepted: dict[str, Any] = await ok(
        await post_json(http, f"/engagements/{proposed['id']}/accept", person_token)
    )
    return accepted


async def second_writer(
    state: AppState,
    http: httpx.AsyncClient,
    writer: Writer,
    client_id: int | None = None,
    *,
    role_title: str = "Rédaction",
) -> Writer:
    """Didier Corre, an attested CM of the same organisation, engaged with `client_id`
    (the first writer's client by default) and writing to its first channel."""
    owner = writer.org.owner_token
    person = await add_person(
        http, owner, full_name="Didier Corre", email="didier@cl-consult.fr", role_title=role_title
    )
    token = await token_for(state, "didier@cl-consult.fr")
    client_id = client_id or writer.client_id
    engagement = await engage(http, owner, token, client_id, person["id"])
    channels = await get_json(http, f"/clients/{client_id}/channels", owner)
    slug = (await get_json(http, f"/clients/{client_id}", owner))["slug"]
    return Writer(
        writer.org, person["id"], token, client_id, slug, channels[0]["id"], engagement["id"]
    )


# --------------------------------------------------------------------------- authentication


async def test_missing_or_malformed_authorization_is_unauthenticated(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    before = await snapshot(api, org.owner_token)
    for label, value in {
        "no header": None,
        "empty": "",
        "scheme without token": "Bearer",
        "scheme and blank": "Bearer   ",
        "other scheme": "Token abc123",
        "basic": "Basic YWxpbmU6c2VjcmV0",
        "token without scheme": org.owner_token,
    }.items():
        headers = {} if value is None else {"Authorization": value}
        with case(label):
            refused(
                await api.get(f"{API}/posts", headers=headers),
                401,
                "unauthenticated",
                None,
                says=("Authorization: Bearer", "POST /api/v1/tokens"),
            )
            response = await api.post(
                f"{API}/clients", headers=headers, json={"name": "Boulangerie Corre"}
            )
            refused(response, 401, "unauthenticated", None)
    assert await snapshot(api, org.owner_token) == before


async def test_unknown_token_is_invalid_token(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    before = await snapshot(api, org.owner_token)
    for value in (
        "Bearer not-a-real-token",
        "Bearer two words",
        "bearer " + "x" * 2000,
        f"Bearer {org.owner_token}x",
        f"Bearer {org.owner_token[:-1]}",
    ):
        with case(value[:30]):
            response = await api.post(
                f"{API}/clients",
                headers={"Authorization": value},
                json={"name": "Boulangerie Corre"},
            )
            refused(response, 401, "invalid_token", None, says="Create a new one")
    assert await snapshot(api, org.owner_token) == before


async def test_revoked_token_is_refused_at_once(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    created = await ok(await post_json(api, "/tokens", org.owner_token, {"name": "script"}), 201)
    assert (await api.get(f"{API}/people/me", headers=bearer(created["token"]))).status_code == 200
    revoked = await ok(
        await api.delete(f"{API}/tokens/{created['id']}", headers=bearer(org.owner_token))
    )
    assert revoked["revoked_at"] is not None
    refused(
        await api.get(f"{API}/people/me", headers=bearer(created["token"])),
        401,
        "invalid_token",
        says="revoked",
    )
    response = await post_json(api, "/clients", created["token"], {"name": "Boulangerie Corre"})
    refused(response, 401, "invalid_token")
    # The person's other token still works, and nothing was created.
    assert await get_json(api, "/clients", org.owner_token) == []


# --------------------------------------------------------------------------- organisations


@dataclass
class Ids:
    person: int
    client: int
    channel: int
    engagement: int
    post: int


@dataclass
class TwoOrgs:
    a: Writer
    a_post: dict[str, Any]
    b: Writer

    def ids_of_a(self) -> Ids:
        a = self.a
        return Ids(a.person_id, a.client_id, a.channel_id, a.engagement_id, self.a_post["id"])

    def ids_of_b(self) -> Ids:
        b = self.b
        return Ids(b.person_id, b.client_id, b.channel_id, b.engagement_id, post=0)


NOWHERE = Ids(person=99_999, client=99_999, channel=99_999, engagement=99_999, post=99_999)


async def two_organisations(state: AppState, http: httpx.AsyncClient) -> TwoOrgs:
    """CL Consult (Aline Lamour; Mauricette Raoul writes for Boulangerie Corre and has a post) and
    Atelier Gautron (Bérangère Gautron; Didier Corre writes for Fromagerie Gautron)."""
    a = await engaged_writer(state, http)
    a_post = await create_post(http, a)
    org_b = await setup_org(
        state,
        name="Atelier Gautron",
        email="berangere@atelier-gautron.fr",
        full_name="Bérangère Gautron",
    )
    b = await engaged_writer(
        state,
        http,
        org=org_b,
        full_name="Didier Corre",
        email="didier@atelier-gautron.fr",
        client_name="Fromagerie Gautron",
    )
    return TwoOrgs(a, a_post, b)


# Who in organisation B acts ("owner" or "cm"), and the request, given the target's ids
# (organisation A's, or ids that exist nowhere) and B's own ids.
Build = Callable[[Ids, Ids], tuple[str, str, dict[str, Any] | None]]
CROSS_ORG: dict[str, tuple[str, Build]] = {
    "get person": ("owner", lambda t, own: ("GET", f"/people/{t.person}", None)),
    "person history": ("owner", lambda t, own: ("GET", f"/people/{t.person}/history", None)),
    "attest person": (
        "owner",
        lambda t, own: ("POST", f"/people/{t.person}/attest", {"method": "id_document"}),
    ),
    "get client": ("owner", lambda t, own: ("GET", f"/clients/{t.client}", None)),
    "list channels": ("owner", lambda t, own: ("GET", f"/clients/{t.client}/channels", None)),
    "add channel": (
        "owner",
        lambda t, own: (
            "POST",
            f"/clients/{t.client}/channels",
            {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}},
        ),
    ),
    "propose their client": (
        "owner",
        lambda t, own: ("POST", f"/clients/{t.client}/engagements", {"person_id": own.person}),
    ),
    "propose their person": (
        "owner",
        lambda t, own: ("POST", f"/clients/{own.client}/engagements", {"person_id": t.person}),
    ),
    "accept": ("cm", lambda t, own: ("POST", f"/engagements/{t.engagement}/accept", None)),
    "decline": (
        "cm",
        lambda t, own: ("POST", f"/engagements/{t.engagement}/decline", {"reason": "Non."}),
    ),
    "end": ("owner", lambda t, own: ("POST", f"/engagements/{t.engagement}/end", None)),
    "check channel": ("owner", lambda t, own: ("POST", f"/channels/{t.channel}/check", None)),
    "post for their client": (
        "cm",
        lambda t, own: (
            "POST",
            "/posts",
            {"client_id": t.client, "channel_ids": [t.channel], "body": "Bonjour !"},
        ),
    ),
    "get post": ("owner", lambda t, own: ("GET", f"/posts/{t.post}", None)),
    "patch post": ("owner", lambda t, own: ("PATCH", f"/posts/{t.post}", {"body": "Piraté"})),
    "cancel post": ("owner", lambda t, own: ("POST", f"/posts/{t.post}/cancel", None)),
}


async def test_other_organisations_objects_are_not_found(
    api: httpx.AsyncClient, state: AppState
) -> None:
    orgs = await two_organisations(state, api)
    a_before = await snapshot(api, orgs.a.org.owner_token)
    b_before = await snapshot(api, orgs.b.org.owner_token)
    for label, (who, build) in CROSS_ORG.items():
        token = orgs.b.org.owner_token if who == "owner" else orgs.b.token

        async def send(target: Ids, build: Build = build, token: str = token) -> httpx.Response:
            method, path, payload = build(target, orgs.ids_of_b())
            return await api.request(method, API + path, headers=bearer(token), json=payload)

        with case(label):
            foreign = await send(orgs.ids_of_a())
            error = refused(foreign, 404, "not_found", None, says="GET /api/v1/")
            # Indistinguishable from an id that exists nowhere: nothing about A leaks.
            assert foreign.json() == (await send(NOWHERE)).json()
            for secret in ("Mauricette", "Boulangerie", "CL Consult", "Aline"):
                assert secret not in error["message"]
    # A channel of A named in B's own post is not B's client's channel.
    with case("channel of A in B's post"):
        payload = post_payload(orgs.b, channel_ids=[orgs.a.channel_id])
        response = await post_json(api, "/posts", orgs.b.token, payload)
        error = refused(response, 422, "channel_not_of_client", "channel_ids")
        assert "Boulangerie" not in error["message"]
    assert await snapshot(api, orgs.a.org.owner_token) == a_before
    assert await snapshot(api, orgs.b.org.owner_token) == b_before


async def test_lists_never_include_another_organisations_rows(
    api: httpx.AsyncClient, state: AppState
) -> None:
    orgs = await two_organisations(state, api)
    b_owner = orgs.b.org.owner_token
    people = await get_json(api, "/people", b_owner)
    assert {p["full_name"] for p in people} == {"Bérangère Gautron", "Didier Corre"}
    assert [c["name"] for c in await get_json(api, "/clients", b_owner)] == ["Fromagerie Gautron"]
    assert [e["id"] for e in await get_json(api, "/engagements", b_owner)] == [orgs.b.engagement_id]
    # Even asked with A's ids, the filters stay inside B.
    for query in (
        {},
        {"client_id": orgs.a.client_id},
        {"author_id": orgs.a.person_id},
        {"status": "scheduled"},
    ):
        with case(query):
            assert await get_json(api, "/posts", b_owner, **query) == []
            assert await get_json(api, "/posts", orgs.b.token, **query) == []
    assert await get_json(api, "/engagements", b_owner, client_id=orgs.a.client_id) == []
    assert await get_json(api, "/engagements", b_owner, person_id=orgs.a.person_id) == []
    # And A still sees its own.
    a_posts = await get_json(api, "/posts", orgs.a.org.owner_token)
    assert [p["id"] for p in a_posts] == [orgs.a_post["id"]]


# --------------------------------------------------------------------------- signing rules


async def _writer_without_engagement(state: AppState, http: httpx.AsyncClient) -> Writer:
    """Mauricette is attested and engaged with Boulangerie Corre, but not with Fromagerie Gautron."""
    writer = await engaged_writer(state, http)
    other = await add_client(http, writer.org.owner_token, "Fromagerie Gautron")
    channel = await add_blog(http, writer.org.owner_token, other["id"])
    writer.client_id, writer.channel_id = other["id"], channel["id"]
    return writer


async def _writer_declined(state: AppState, http: httpx.AsyncClient) -> Writer:
    writer = await engaged_writer(state, http, accept=False)
    path = f"/engagements/{writer.engagement_id}/decline"
    await ok(await post_json(http, path, writer.token, {"reason": "Non."}))
    return writer


async def _writer_proposed(state: AppState, http: httpx.AsyncClient) -> Writer:
    return await engaged_writer(state, http, accept=False)


async def _writer_ended(state: AppState, http: httpx.AsyncClient) -> Writer:
    writer = await engaged_writer(state, http)
    path = f"/engagements/{writer.engagement_id}/end"
    await ok(await post_json(http, path, writer.org.owner_token))
    return writer


async def _writer_unattested(state: AppState, http: httpx.AsyncClient) -> Writer:
    return await engaged_writer(state, http, attest=False)


@pytest.mark.parametrize(
    ("make_writer", "code", "hint"),
    [
        pytest.param(_writer_without_engagement, "no_engagement", "Fromagerie Gautron", id="none"),
        pytest.param(_writer_declined, "no_engagement", "accepted engagement", id="declined"),
        pytest.param(_writer_proposed, "no_engagement", "then accept it", id="proposed"),
        pytest.param(_writer_ended, "no_engagement", "Boulangerie Corre", id="ended"),
        pytest.param(_writer_unattested, "author_not_attested", "attest", id="unattested"),
    ],
)
async def test_who_may_not_sign_is_refused_and_nothing_is_scheduled(
    api: httpx.AsyncClient,
    state: AppState,
    make_writer: Callable[[AppState, httpx.AsyncClient], Awaitable[Writer]],
    code: str,
    hint: str,
) -> None:
    writer = await make_writer(state, api)
    before = await snapshot(api, writer.org.owner_token)
    response = await post_json(api, "/posts", writer.token, post_payload(writer))
    refused(response, 403, code, None, says=hint)
    # Leaving out scheduled_at (publish now) is refused the same way.
    response = await post_json(api, "/posts", writer.token, post_payload(writer, scheduled_at=None))
    refused(response, 403, code, None)
    assert await snapshot(api, writer.org.owner_token) == before


async def test_the_owner_also_needs_an_engagement(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    response = await post_json(api, "/posts", writer.org.owner_token, post_payload(writer))
    refused(response, 403, "no_engagement", None, says="Boulangerie Corre")
    assert await get_json(api, "/posts", writer.org.owner_token) == []


async def test_nobody_signs_under_another_name(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    owner_id = writer.org.owner_id
    impostors: dict[str, Any] = {
        "author_id": owner_id,
        "author": {"id": owner_id, "full_name": "Aline Lamour"},
        "signature": {"full_name": "Aline Lamour", "role_title": "Fondatrice"},
        "full_name": "Aline Lamour",
        "sig_full_name": "Aline Lamour",
    }
    before = await snapshot(api, writer.org.owner_token)
    for field, value in impostors.items():
        with case(field):
            payload = {**post_payload(writer), field: value}
            response = await post_json(api, "/posts", writer.token, payload)
            refused(response, 422, "unknown_field", field, says=f"Remove the field “{field}”")
    assert await snapshot(api, writer.org.owner_token) == before
    # The same attempts on an existing post are refused, and its signature stays Mauricette's.
    post = await create_post(api, writer)
    for field, value in impostors.items():
        with case(f"PATCH {field}"):
            response = await api.patch(
                f"{API}/posts/{post['id']}", headers=bearer(writer.token), json={field: value}
            )
            refused(response, 422, "unknown_field", field)
    again = await get_json(api, f"/posts/{post['id']}", writer.token)
    assert again["author"] == {"id": writer.person_id, "full_name": "Mauricette Raoul"}
    assert again["signature"] == post["signature"]


# --------------------------------------------------------------------------- scheduled_at


async def test_unclear_scheduled_at_is_refused(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    before = await snapshot(api, writer.org.owner_token)
    for value, code, hint in (
        ("next tuesday", "scheduled_at_invalid", "ISO 8601"),
        (f"15/01/{Y} 09:30", "scheduled_at_invalid", "ISO 8601"),
        (f"{Y}-02-30T09:30:00", "scheduled_at_invalid", "ISO 8601"),
        (f"{Y}-01-15T25:00:00+01:00", "scheduled_at_invalid", "ISO 8601"),
        ("", "scheduled_at_invalid", "leave it out to publish now"),
        (f"{Y}-01-15", "scheduled_at_invalid", "ISO 8601"),
        (f"{Y}-01-15Z", "scheduled_at_invalid", "ISO 8601"),
        ("2020-01-15T09:30:00+01:00", "scheduled_at_in_past", "Choose a time in the future"),
        ("2020-01-15T09:30:00", "scheduled_at_in_past", "in the past"),
        (f"{SPRING_FORWARD}T02:30:00", "scheduled_at_nonexistent", "Europe/Paris"),
        (f"{SPRING_FORWARD}T02:00:00", "scheduled_at_nonexistent", "explicit offset"),
    ):
        with case(value):
            payload = post_payload(writer, scheduled_at=value)
            response = await post_json(api, "/posts", writer.token, payload)
            error = refused(response, 422, code, "scheduled_at", says=hint)
            assert value in error["message"]
    assert await snapshot(api, writer.org.owner_token) == before


async def test_bare_date_with_an_offset_is_refused(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    for value in (f"{Y}-01-15+01:00", f"{Y}-01-15-05:00"):
        with case(value):
            payload = post_payload(writer, scheduled_at=value)
            response = await post_json(api, "/posts", writer.token, payload)
            refused(response, 422, "scheduled_at_invalid", "scheduled_at")
    assert await get_json(api, "/posts", writer.token) == []


# --------------------------------------------------------------------------- channels


async def test_channel_creation_refusals(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    owner = writer.org.owner_token
    blog = {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}}
    before = await snapshot(api, owner)
    other = await add_client(api, owner, "Fromagerie Gautron")
    # (label, client, request body, status, code, field, what the message says)
    cases: list[tuple[str, int, dict[str, Any], int, str, str, tuple[str, ...]]] = [
        (
            "unknown kind",
            other["id"],
            {**blog, "kind": "myspace"},
            422,
            "unknown_channel_kind",
            "kind",
            ("“myspace”", "Use one of: ", ", ".join(state.registry.kinds())),
        ),
        (
            "extra config key",
            other["id"],
            {**blog, "config": {"theme": "dark"}},
            422,
            "invalid_channel_config",
            "config",
            ("local_blog", "theme"),
        ),
        (
            "extra credentials key",
            other["id"],
            {**blog, "credentials": {"api_key": "s3cret"}},
            422,
            "invalid_channel_config",
            "credentials",
            ("local_blog", "api_key"),
        ),
        (
            "second blog",
            writer.client_id,
            {**blog, "name": "Second blog"},
            409,
            "channel_exists",
            "kind",
            ("one blog",),
        ),
    ]
    for label, client_id, payload, status, code, field, says in cases:
        with case(label):
            path = f"/clients/{client_id}/channels"
            error = refused(
                await post_json(api, path, owner, payload), status, code, field, says=says
            )
            assert "s3cret" not in error["message"]
            assert await get_json(api, path, owner) == before.get(
                f"/clients/{client_id}/channels", []
            )


async def test_channel_not_of_the_client_is_refused(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    other = await add_client(api, writer.org.owner_token, "Fromagerie Gautron")
    other_blog = await add_blog(api, writer.org.owner_token, other["id"])
    before = await snapshot(api, writer.org.owner_token)
    for label, channel_id in (("other client's blog", other_blog["id"]), ("no such id", 99_999)):
        with case(label):
            payload = post_payload(writer, channel_ids=[writer.channel_id, channel_id])
            refused(
                await post_json(api, "/posts", writer.token, payload),
                422,
                "channel_not_of_client",
                "channel_ids",
                says=(str(channel_id), f"GET /api/v1/clients/{writer.client_id}/channels"),
            )
    assert await snapshot(api, writer.org.owner_token) == before


# --------------------------------------------------------------------------- post bodies


async def test_empty_blank_or_oversized_body_is_refused(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    before = await snapshot(api, writer.org.owner_token)
    for label, body, code, hint in (
        ("empty", "", "body_empty", "Write something"),
        ("whitespace", " \n\t\u00a0\u2003\n ", "body_empty", "cannot be empty"),
        ("50 001 characters", "é" * 50_001, "body_too_long", ("50001", "50000", "Shorten")),
    ):
        with case(label):
            payload = post_payload(writer, body=body)
            response = await post_json(api, "/posts", writer.token, payload)
            refused(response, 422, code, "body", says=hint)
    assert await snapshot(api, writer.org.owner_token) == before
    # The limit itself is accepted.
    post = await create_post(api, writer, body="é" * 50_000)
    assert len(post["body"]) == 50_000


# --------------------------------------------------------------------------- request shape


async def test_body_that_is_not_a_json_object_is_invalid_json(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    before = await snapshot(api, writer.org.owner_token)
    json_headers = {**bearer(writer.token), "Content-Type": "application/json"}
    for label, content in {
        "truncated": b'{"client_id": 1, "body": "Bonjour',
        "single quotes": b"{'client_id': 1}",
        "trailing comma": b'{"client_id": 1,}',
        "binary": b"\xff\xfe\x00garbage",
        "array": b"[]",
        "array of object": b'[{"client_id": 1}]',
        "string": b'"Bonjour"',
        "number": b"42",
        "null": b"null",
    }.items():
        with case(label):
            response = await api.post(f"{API}/posts", headers=json_headers, content=content)
            refused(response, 400, "invalid_json", None, says="Send a JSON object")
    with case("form-encoded"):
        response = await api.post(
            f"{API}/posts", headers=bearer(writer.token), data={"client_id": str(writer.client_id)}
        )
        refused(response, 400, "invalid_json", None, says="Content-Type: application/json")
    assert await snapshot(api, writer.org.owner_token) == before


async def test_empty_request_body_is_refused(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    headers = {**bearer(writer.token), "Content-Type": "application/json"}
    response = await api.post(f"{API}/posts", headers=headers)
    assert response.status_code in (400, 422), response.text
    refused(response, response.status_code, response.json()["error"]["code"])
    assert await get_json(api, "/posts", writer.token) == []


async def test_unknown_field_is_named(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    person = {"email": "didier@cl-consult.fr", "full_name": "Didier Corre"}
    for token, path, payload, field in (
        (writer.token, "/posts", {**post_payload(writer), "colour": "red"}, "colour"),
        (owner, "/clients", {"name": "Fromagerie Gautron", "owner": "Aline"}, "owner"),
        (owner, "/people", {**person, "attested": True}, "attested"),
        (owner, f"/people/{writer.person_id}/attest", {"method": "declared", "by": 1}, "by"),
        (owner, f"/clients/{writer.client_id}/engagements", {"person_id": 1, "x": 1}, "x"),
        (owner, "/tokens", {"name": "laptop", "expires": "never"}, "expires"),
    ):
        with case(f"{path} {field}"):
            response = await post_json(api, path, token, payload)
            refused(response, 422, "unknown_field", field, says=f"Remove the field “{field}”")
    assert await snapshot(api, owner) == before


async def test_unknown_field_named_like_a_request_part_is_named(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    for field in ("path", "query"):
        with case(field):
            payload = {"name": "Fromagerie Gautron", field: "x"}
            response = await post_json(api, "/clients", org.owner_token, payload)
            refused(response, 422, "unknown_field", field, says=f"“{field}”")
    assert await get_json(api, "/clients", org.owner_token) == []


async def test_missing_required_field_is_named(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    for missing in ("client_id", "channel_ids", "body"):
        with case(missing):
            payload = post_payload(writer, **{missing: None})
            response = await post_json(api, "/posts", writer.token, payload)
            refused(response, 422, "field_required", missing, says=f"Add the field “{missing}”")
    with case("person email"):
        response = await post_json(
            api, "/people", writer.org.owner_token, {"full_name": "Didier Corre"}
        )
        refused(response, 422, "field_required", "email")
    assert await get_json(api, "/posts", writer.token) == []


async def test_wrong_type_is_invalid_field(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    for label, token, path, payload, field in (
        ("client_id text", writer.token, "/posts", {"client_id": "Boulangerie Corre"}, "client_id"),
        ("channel_ids not a list", writer.token, "/posts", {"channel_ids": 1}, "channel_ids"),
        ("channel_ids empty", writer.token, "/posts", {"channel_ids": []}, "channel_ids"),
        ("body list", writer.token, "/posts", {"body": ["Bonjour"]}, "body"),
        ("link", writer.token, "/posts", {"link": "pas un lien"}, "link"),
        ("title too long", writer.token, "/posts", {"title": "T" * 301}, "title"),
        (
            "scheduled_at number",
            writer.token,
            "/posts",
            {"scheduled_at": 1_800_000_000},
            "scheduled_at",
        ),
        (
            "timezone number",
            owner,
            "/clients",
            {"name": "Fromagerie Gautron", "timezone": 1},
            "timezone",
        ),
        (
            "email",
            owner,
            "/people",
            {"email": "pas-une-adresse", "full_name": "Didier Corre"},
            "email",
        ),
        (
            "role",
            owner,
            "/people",
            {"email": "d@cl-consult.fr", "full_name": "Didier Corre", "role": "boss"},
            "role",
        ),
    ):
        with case(label):
            if path == "/posts":
                payload = post_payload(writer, **payload)
            error = refused(await post_json(api, path, token, payload), 422, "invalid_field")
            assert error["field"] == field or error["field"].startswith(f"{field}."), error
            assert f"“{error['field']}”" in error["message"], error
    with case("attest method setup"):
        path = f"/people/{writer.person_id}/attest"
        response = await post_json(api, path, owner, {"method": "setup"})
        refused(response, 422, "invalid_field", "method")
    assert await snapshot(api, owner) == before


async def test_unknown_route_and_method_answer_in_the_documented_shape(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    headers = bearer(org.owner_token)
    refused(
        await api.get(f"{API}/nothing-here", headers=headers), 404, "route_not_found", says="/docs"
    )
    refused(
        await api.put(f"{API}/clients", headers=headers, json={}),
        405,
        "method_not_allowed",
        says="PUT",
    )


# --------------------------------------------------------------------------- languages


async def test_french_messages_for_the_same_codes(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await _writer_without_engagement(state, api)
    for accept_language in ("fr", "fr-FR", "fr-FR,fr;q=0.9,en;q=0.8", "en;q=0.3, fr;q=0.7"):
        lang = {"Accept-Language": accept_language}
        with case(accept_language):
            error = refused(
                await post_json(api, "/posts", writer.token, post_payload(writer), **lang),
                403,
                "no_engagement",
                says=("Vous ne parlez pas pour Fromagerie Gautron", "mission acceptée"),
            )
            assert "You do not speak" not in error["message"]
            refused(
                await api.get(f"{API}/posts", headers=lang),
                401,
                "unauthenticated",
                says="Envoyez un jeton",
            )
    lang = {"Accept-Language": "fr"}
    payload = post_payload(writer, body="  ")
    refused(
        await post_json(api, "/posts", writer.token, payload, **lang),
        422,
        "body_empty",
        "body",
        says="Écrivez quelque chose",
    )
    payload = post_payload(writer, scheduled_at="demain")
    refused(
        await post_json(api, "/posts", writer.token, payload, **lang),
        422,
        "scheduled_at_invalid",
        "scheduled_at",
        says="« demain » n'est pas une date",
    )
    refused(
        await post_json(api, "/engagements/99999/accept", writer.token, **lang),
        404,
        "not_found",
        says="Aucun·e mission",
    )
    response = await api.post(
        f"{API}/posts",
        headers={**bearer(writer.token), **lang, "Content-Type": "application/json"},
        content=b"[]",
    )
    refused(response, 400, "invalid_json", None, says="n'est pas du JSON valide")


async def test_english_is_the_default_language(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await _writer_without_engagement(state, api)
    for accept_language in (None, "de-DE", "*", "fr;q=0"):
        headers = {"Accept-Language": accept_language} if accept_language else {}
        with case(accept_language):
            refused(
                await post_json(api, "/posts", writer.token, post_payload(writer), **headers),
                403,
                "no_engagement",
                says="You do not speak for Fromagerie Gautron",
            )


# --------------------------------------------------------------------------- engagements


async def _engagement(http: httpx.AsyncClient, writer: Writer) -> dict[str, Any]:
    rows = await get_json(http, "/engagements", writer.org.owner_token, client_id=writer.client_id)
    row: dict[str, Any] = next(e for e in rows if e["id"] == writer.engagement_id)
    return row


async def test_only_the_proposed_person_can_respond(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api, accept=False)
    colleague = await add_person(
        api, writer.org.owner_token, full_name="Didier Corre", email="didier@cl-consult.fr"
    )
    colleague_token = await token_for(state, colleague["email"])
    for who, token in (("owner", writer.org.owner_token), ("colleague", colleague_token)):
        for action, payload in (("accept", None), ("decline", {"reason": "Non."})):
            with case(f"{who} {action}"):
                path = f"/engagements/{writer.engagement_id}/{action}"
                refused(
                    await post_json(api, path, token, payload),
                    403,
                    "not_your_engagement",
                    says="Only the person",
                )
    engagement = await _engagement(api, writer)
    assert engagement["status"] == "proposed" and engagement["responded_at"] is None
    # Nobody else's answer let Mauricette write for the client.
    response = await post_json(api, "/posts", writer.token, post_payload(writer))
    refused(response, 403, "no_engagement")


async def test_accepting_twice_conflicts(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    path = f"/engagements/{writer.engagement_id}"
    refused(
        await post_json(api, f"{path}/accept", writer.token),
        409,
        "engagement_not_pending",
        says="is accepted",
    )
    refused(
        await post_json(api, f"{path}/decline", writer.token, {"reason": "Trop tard"}),
        409,
        "engagement_not_pending",
    )
    engagement = await _engagement(api, writer)
    assert engagement["status"] == "accepted" and engagement["decline_reason"] is None


async def test_decline_stores_the_reason_and_is_final(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api, accept=False)
    reason = "Je ne partage pas les valeurs de cette marque."
    path = f"/engagements/{writer.engagement_id}"
    declined = await ok(await post_json(api, f"{path}/decline", writer.token, {"reason": reason}))
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == reason
    assert declined["responded_at"] is not None
    assert (await _engagement(api, writer))["decline_reason"] == reason
    refused(
        await post_json(api, f"{path}/accept", writer.token),
        409,
        "engagement_not_pending",
        says="is declined",
    )
    refused(
        await post_json(api, f"{path}/accept", writer.token, **{"Accept-Language": "fr"}),
        409,
        "engagement_not_pending",
        says="est refusé",
    )


async def test_decline_without_a_reason(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api, accept=False)
    path = f"/engagements/{writer.engagement_id}/decline"
    declined = await ok(await post_json(api, path, writer.token))
    assert declined["status"] == "declined" and declined["decline_reason"] is None


async def test_proposing_an_open_engagement_again_conflicts(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    before = await snapshot(api, writer.org.owner_token)
    refused(
        await post_json(
            api,
            f"/clients/{writer.client_id}/engagements",
            writer.org.owner_token,
            {"person_id": writer.person_id},
        ),
        409,
        "engagement_exists",
        "person_id",
        says="accepted",
    )
    assert await snapshot(api, writer.org.owner_token) == before


# --------------------------------------------------------------------------- roles


async def _org_with_cm_and_manager(
    state: AppState, http: httpx.AsyncClient
) -> tuple[Org, dict[str, Any], str, str]:
    """The organisation, its client, a CM's token (Mauricette) and a manager's (Didier)."""
    org = await setup_org(state)
    for full_name, email, role in (
        ("Mauricette Raoul", "mauricette@cl-consult.fr", "cm"),
        ("Didier Corre", "didier@cl-consult.fr", "manager"),
    ):
        await add_person(http, org.owner_token, full_name=full_name, email=email, role=role)
    client = await add_client(http, org.owner_token, "Boulangerie Corre")
    return (
        org,
        client,
        await token_for(state, "mauricette@cl-consult.fr"),
        await token_for(state, "didier@cl-consult.fr"),
    )


async def test_a_cm_cannot_manage_the_organisation(api: httpx.AsyncClient, state: AppState) -> None:
    org, client, cm_token, manager_token = await _org_with_cm_and_manager(state, api)
    manager = await get_json(api, "/people/me", manager_token)
    before = await snapshot(api, org.owner_token)
    for label, path, payload in (
        (
            "create person",
            "/people",
            {"email": "berangere@cl-consult.fr", "full_name": "Bérangère Gautron"},
        ),
        ("create client", "/clients", {"name": "Fromagerie Gautron"}),
        (
            "create channel",
            f"/clients/{client['id']}/channels",
            {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}},
        ),
        ("propose engagement", f"/clients/{client['id']}/engagements", {"person_id": 2}),
        ("attest", f"/people/{manager['id']}/attest", {"method": "declared"}),
    ):
        with case(label):
            refused(
                await post_json(api, path, cm_token, payload),
                403,
                "forbidden_role",
                None,
                says="owner or a manager",
            )
    assert await snapshot(api, org.owner_token) == before


async def test_only_an_owner_gives_the_owner_or_manager_role(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org, _, _, manager_token = await _org_with_cm_and_manager(state, api)
    before = await snapshot(api, org.owner_token)
    person = {"email": "berangere@cl-consult.fr", "full_name": "Bérangère Gautron"}
    for role in ("owner", "manager"):
        with case(role):
            response = await post_json(api, "/people", manager_token, {**person, "role": role})
            refused(response, 403, "owner_only", "role", says="Ask an owner")
    assert await snapshot(api, org.owner_token) == before
    # A manager may add a CM; an owner may give the manager role.
    added = await ok(await post_json(api, "/people", manager_token, {**person, "role": "cm"}), 201)
    assert added["role"] == "cm"
    other = {
        "email": "b.gautron@cl-consult.fr",
        "full_name": "Bérangère Gautron",
        "role": "manager",
    }
    assert (await ok(await post_json(api, "/people", org.owner_token, other), 201))[
        "role"
    ] == "manager"


async def test_duplicate_email_conflicts(api: httpx.AsyncClient, state: AppState) -> None:
    orgs = await two_organisations(state, api)
    owner = orgs.a.org.owner_token
    before = await snapshot(api, owner)
    for email in (
        "mauricette@cl-consult.fr",
        "Mauricette@CL-Consult.fr",
        "aline@cl-consult.fr",
        "didier@atelier-gautron.fr",  # someone of another organisation
    ):
        with case(email):
            payload = {"email": email, "full_name": "Bérangère Gautron"}
            error = refused(
                await post_json(api, "/people", owner, payload),
                409,
                "email_taken",
                "email",
                says="GET /api/v1/people",
            )
            assert "Didier" not in error["message"] and "Gautron" not in error["message"]
    assert await snapshot(api, owner) == before


async def test_nobody_attests_themselves(api: httpx.AsyncClient, state: AppState) -> None:
    org, _, _, manager_token = await _org_with_cm_and_manager(state, api)
    before = await snapshot(api, org.owner_token)
    for label, token in (("manager", manager_token), ("owner", org.owner_token)):
        me = await get_json(api, "/people/me", token)
        with case(label):
            path = f"/people/{me['id']}/attest"
            refused(
                await post_json(api, path, token, {"method": "id_document", "confirm": True}),
                403,
                "attest_self",
                None,
                says="Ask another owner or manager",
            )
    assert await snapshot(api, org.owner_token) == before
