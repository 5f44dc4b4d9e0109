"""Accounts through the REST API: API tokens, who am I, and the service's public documents."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import bearer, engaged_writer, ok, setup_org
from tests.test_api_refusals import (
    API,
    case,
    cheap_password_hashing,
    get_json,
    http_for,
    post_json,
    refused,
)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


# --------------------------------------------------------------------------- tokens


async def test_a_new_token_is_shown_once_and_works(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    answer = await post_json(api, "/tokens", org.owner_token, {"name": "laptop"})
    assert answer.headers["cache-control"] == "no-store"  # no cache keeps the value
    created = await ok(answer, 201)
    assert created["name"] == "laptop"
    assert created["revoked_at"] is None
    token = created["token"]
    assert len(token) >= 32 and token.startswith(created["prefix"])
    me = await get_json(api, "/people/me", token)
    assert me["id"] == org.owner_id

    listed = await get_json(api, "/tokens", org.owner_token)
    assert [t["name"] for t in listed] == ["tests", "laptop"]
    mine = next(t for t in listed if t["id"] == created["id"])
    assert "token" not in mine
    assert mine["prefix"] == created["prefix"]
    assert mine["last_used_at"] is not None  # it was just used for /people/me
    # The value itself is never shown again, anywhere in the list.
    assert token not in (await api.get(f"{API}/tokens", headers=bearer(org.owner_token))).text


async def test_a_token_without_a_name_gets_a_default_one(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    created = await ok(await post_json(api, "/tokens", org.owner_token, {}), 201)
    assert created["name"]
    assert (await api.get(f"{API}/people/me", headers=bearer(created["token"]))).status_code == 200


async def test_revoking_a_token_stops_it_and_only_it(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    created = await ok(await post_json(api, "/tokens", org.owner_token, {"name": "ci"}), 201)
    revoked = await ok(
        await api.delete(f"{API}/tokens/{created['id']}", headers=bearer(org.owner_token))
    )
    assert revoked["id"] == created["id"] and revoked["revoked_at"] is not None
    assert "token" not in revoked
    refused(await api.get(f"{API}/tokens", headers=bearer(created["token"])), 401, "invalid_token")
    listed = await get_json(api, "/tokens", org.owner_token)
    states = {t["name"]: t["revoked_at"] is not None for t in listed}
    assert states == {"tests": False, "ci": True}
    # Revoking again is harmless and keeps the first revocation time.
    again = await ok(
        await api.delete(f"{API}/tokens/{created['id']}", headers=bearer(org.owner_token))
    )
    assert again["revoked_at"] == revoked["revoked_at"]
    # A token can revoke itself.
    other = await ok(await post_json(api, "/tokens", org.owner_token, {"name": "self"}), 201)
    await ok(await api.delete(f"{API}/tokens/{other['id']}", headers=bearer(other["token"])))
    refused(await api.get(f"{API}/people/me", headers=bearer(other["token"])), 401, "invalid_token")


async def test_nobody_sees_or_revokes_someone_elses_tokens(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    owner_tokens = await get_json(api, "/tokens", writer.org.owner_token)
    cm_tokens = await get_json(api, "/tokens", writer.token)
    assert {t["id"] for t in owner_tokens}.isdisjoint({t["id"] for t in cm_tokens})
    for label, token, target in (
        ("CM revokes the owner's", writer.token, owner_tokens[0]["id"]),
        ("owner revokes the CM's", writer.org.owner_token, cm_tokens[0]["id"]),
        ("no such token", writer.token, 99_999),
    ):
        with case(label):
            response = await api.delete(f"{API}/tokens/{target}", headers=bearer(token))
            refused(response, 404, "not_found", None, says="GET /api/v1/tokens")
    # Both still work.
    assert (await get_json(api, "/people/me", writer.token))["id"] == writer.person_id
    assert (await get_json(api, "/people/me", writer.org.owner_token))["id"] == writer.org.owner_id


async def test_token_requests_are_checked(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    refused(await api.post(f"{API}/tokens", json={"name": "x"}), 401, "unauthenticated")
    refused(
        await api.delete(f"{API}/tokens/1", headers={"Authorization": "Bearer nope"}),
        401,
        "invalid_token",
    )
    assert [t["name"] for t in await get_json(api, "/tokens", org.owner_token)] == ["tests"]


# --------------------------------------------------------------------------- who am I


async def test_people_me_describes_the_caller(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    me = await get_json(api, "/people/me", writer.token)
    assert me["id"] == writer.person_id
    assert me["email"] == "mauricette@cl-consult.fr"
    assert me["full_name"] == "Mauricette Raoul"
    assert me["role"] == "cm" and me["role_title"] == "Community Manager"
    assert me["attested"] is True and me["active"] is True
    assert me["name_check"]["verdict"] == "accept"
    for key in ("short_name", "photo_url", "name_check", "created_at"):
        assert key in me
    assert "password" not in str(me).lower()

    owner = await get_json(api, "/people/me", writer.org.owner_token)
    assert (owner["id"], owner["full_name"], owner["role"]) == (
        writer.org.owner_id,
        "Aline Lamour",
        "owner",
    )
    assert owner["attested"] is True  # setup attests the first owner
    # /people/me is the same record the organisation's list shows.
    people = await get_json(api, "/people", writer.org.owner_token)
    assert next(p for p in people if p["id"] == writer.person_id) == me


async def test_people_me_needs_a_token(api: httpx.AsyncClient) -> None:
    refused(await api.get(f"{API}/people/me"), 401, "unauthenticated")


# --------------------------------------------------------------------------- public documents


async def test_healthz(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_docs_and_openapi_are_served(api: httpx.AsyncClient) -> None:
    docs = await api.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    # Swagger UI starts from files (the Content-Security-Policy allows no inline script).
    assert "<script>" not in docs.text
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts == ["/docs/assets/swagger-ui-bundle.js", "/static/docs.js"]
    for src in scripts:
        assert (await api.get(src)).status_code == 200, src
    assert "/api/v1/openapi.json" in (await api.get("/static/docs.js")).text

    response = await api.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Byline"
    for path in (
        "/api/v1/posts",
        "/api/v1/posts/{post_id}",
        "/api/v1/posts/{post_id}/cancel",
        "/api/v1/people",
        "/api/v1/people/me",
        "/api/v1/clients",
        "/api/v1/tokens",
        "/api/v1/engagements/{engagement_id}/accept",
    ):
        assert path in spec["paths"], path
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()

    create = spec["paths"]["/api/v1/posts"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    component = spec["components"]["schemas"][name]
    examples = component.get("examples") or list(
        create["requestBody"]["content"]["application/json"].get("examples", {}).values()
    )
    assert examples, "POST /posts has no example"
    example = examples[0].get("value", examples[0])
    assert {"client_id", "channel_ids", "body"} <= set(example)
    # No field of the request names who signs.
    assert not {"author_id", "author", "signature", "full_name"} & set(component["properties"])
    assert component.get("additionalProperties") is False


async def test_a_person_who_leaves_is_refused_at_once_though_their_token_was_just_used(
    api: httpx.AsyncClient, state: AppState
) -> None:
    # Tokens found valid are trusted for a few seconds without a query; leaving must not wait.
    writer = await engaged_writer(state, api)
    assert (await api.get(f"{API}/people/me", headers=bearer(writer.token))).status_code == 200
    await ok(
        await api.post(
            f"{API}/people/{writer.person_id}/leave", headers=bearer(writer.org.owner_token)
        )
    )
    refused(await api.get(f"{API}/people/me", headers=bearer(writer.token)), 401, "invalid_token")


async def test_a_token_revoked_elsewhere_stops_working_within_seconds(
    api: httpx.AsyncClient, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process revoked it (here: straight in the database, which this process's cache
    # does not see): the cached lookup runs out after a few seconds and the token is refused.
    from sqlalchemy import update

    from app.accounts import service as accounts
    from app.db import unit_of_work
    from app.models import ApiToken

    org = await setup_org(state)
    created = await ok(await post_json(api, "/tokens", org.owner_token, {"name": "ci"}), 201)
    assert (await api.get(f"{API}/people/me", headers=bearer(created["token"]))).status_code == 200
    async with unit_of_work(state.session_factory) as session:
        await session.execute(
            update(ApiToken).where(ApiToken.id == created["id"]).values(revoked_at=state.clock())
        )
    assert (await api.get(f"{API}/people/me", headers=bearer(created["token"]))).status_code == 200
    later = accounts._monotonic() + accounts._KNOWN_FOR + 1
    monkeypatch.setattr(accounts, "_monotonic", lambda: later)
    refused(await api.get(f"{API}/people/me", headers=bearer(created["token"])), 401, "invalid_token")
