"""Hostile input, as a script or an attacker sends it: each kind gets a 4xx with a stable code,
never a 500, and nothing is written, on SQLite and on PostgreSQL alike (the suite runs on both).

Ids past what the id columns hold, times whose UTC date falls outside what Byline keeps, NUL
characters, `null` for what cannot be emptied, unreadable JSON, over-long text, and query
parameters an operation does not know.
"""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.kit.fields import ID_LIMIT
from app.state import AppState
from tests.factories import Writer, bearer, engaged_writer, ok
from tests.test_api_refusals import (
    API,
    Y,
    case,
    cheap_password_hashing,
    create_post,
    get_json,
    http_for,
    post_json,
    post_payload,
    refused,
    snapshot,
)

TOO_BIG = [ID_LIMIT, 2**63, 2**64, 10**30]


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
async def writer(api: httpx.AsyncClient, state: AppState) -> Writer:
    return await engaged_writer(state, api)


async def test_ids_past_the_id_columns_or_below_one_are_invalid_fields(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    for value in [*TOO_BIG, 0, -1]:
        with case(f"path {value}"):
            response = await api.get(f"{API}/posts/{value}", headers=bearer(owner))
            refused(response, 422, "invalid_field", "post_id")
        with case(f"query {value}"):
            response = await api.get(
                f"{API}/posts", headers=bearer(owner), params={"author_id": value}
            )
            refused(response, 422, "invalid_field", "author_id")
        with case(f"body client_id {value}"):
            payload = post_payload(writer, client_id=value)
            refused(
                await post_json(api, "/posts", writer.token, payload),
                422,
                "invalid_field",
                "client_id",
            )
        with case(f"body channel_ids {value}"):
            payload = post_payload(writer, channel_ids=[writer.channel_id, value])
            response = await post_json(api, "/posts", writer.token, payload)
            refused(response, 422, "invalid_field", "channel_ids.1")
        with case(f"nested successor {value}"):
            leave = {"successors": [{"client_id": writer.client_id, "person_id": value}]}
            response = await post_json(api, f"/people/{writer.person_id}/leave", owner, leave)
            refused(response, 422, "invalid_field", "successors.0.person_id")
    assert await snapshot(api, owner) == before


async def test_offsets_and_limits_past_their_bounds_are_invalid_fields(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    for name, value in [("offset", 2**64), ("offset", ID_LIMIT), ("offset", -1), ("limit", 2**64)]:
        with case(f"{name}={value}"):
            response = await api.get(
                f"{API}/posts", headers=bearer(writer.token), params={name: value}
            )
            refused(response, 422, "invalid_field", name)
    largest = await get_json(api, "/posts", writer.token, offset=ID_LIMIT - 1)
    assert largest == []


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "9999-06-01T12:00:00+00:00"],
)
async def test_times_outside_what_is_kept_are_time_out_of_range(
    api: httpx.AsyncClient, writer: Writer, value: str
) -> None:
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    with case("POST /posts"):
        payload = post_payload(writer, scheduled_at=value)
        response = await post_json(api, "/posts", writer.token, payload)
        refused(response, 422, "time_out_of_range", "scheduled_at", says=value)
    with case("PATCH /posts"):
        post = await create_post(api, writer)
        before = await snapshot(api, owner)
        response = await api.patch(
            f"{API}/posts/{post['id']}", headers=bearer(writer.token), json={"scheduled_at": value}
        )
        refused(response, 422, "time_out_of_range", "scheduled_at")
    with case("handover"):
        payload = {
            "outgoing_person_id": writer.person_id,
            "incoming_person_id": writer.org.owner_id,
            "effective_at": value,
        }
        response = await post_json(api, f"/clients/{writer.client_id}/handovers", owner, payload)
        refused(response, 422, "time_out_of_range", "effective_at")
    with case("leave"):
        response = await post_json(
            api, f"/people/{writer.person_id}/leave", owner, {"effective_at": value}
        )
        refused(response, 422, "time_out_of_range", "effective_at")
    with case("query"):
        for name in ("scheduled_from", "scheduled_to"):
            response = await api.get(f"{API}/posts", headers=bearer(owner), params={name: value})
            refused(response, 422, "time_out_of_range", name, says=value)
    assert await snapshot(api, owner) == before


async def test_a_local_time_at_the_end_of_the_calendar_is_time_out_of_range(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    # 9999-12-31 23:30 in Paris is 22:30 UTC that day: the calendar holds it, Byline keeps it not.
    payload = post_payload(writer, scheduled_at="9999-12-31T23:30")
    response = await post_json(api, "/posts", writer.token, payload)
    refused(response, 422, "time_out_of_range", "scheduled_at")


async def test_a_query_time_is_iso_8601_not_a_count_of_seconds(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    response = await api.get(
        f"{API}/posts", headers=bearer(writer.token), params={"scheduled_from": "71299"}
    )
    refused(response, 422, "invalid_field", "scheduled_from", says="ISO 8601")


async def test_nul_is_refused_wherever_text_comes_in(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    nul = "Bon\u0000jour"
    with case("body field"):
        response = await post_json(api, "/posts", writer.token, post_payload(writer, title=nul))
        refused(response, 422, "text_has_nul", "title", says="\\u0000")
    with case("bulk item"):
        bulk = {"posts": [post_payload(writer), post_payload(writer, body=nul)]}
        response = await post_json(api, "/posts/bulk", writer.token, bulk)
        refused(response, 422, "text_has_nul", "posts.1.body")
    with case("free-form config"):
        channel = {"kind": "wordpress", "name": "Site", "config": {"site_url": nul}}
        path = f"/clients/{writer.client_id}/channels"
        refused(await post_json(api, path, owner, channel), 422, "text_has_nul", "config.site_url")
    with case("a key"):
        person = {"email": "x@cl-consult.fr", "full_name": "Joséphine Ange", "role\u0000": "cm"}
        refused(await post_json(api, "/people", owner, person), 422, "text_has_nul", "role\\u0000")
    with case("PATCH"):
        response = await api.patch(
            f"{API}/people/{writer.person_id}", headers=bearer(owner), json={"role_title": nul}
        )
        refused(response, 422, "text_has_nul", "role_title")
    with case("query"):
        response = await api.get(f"{API}/posts", headers=bearer(owner), params={"status": nul})
        refused(response, 422, "text_has_nul", "status")
    with case("path"):
        response = await api.get(f"{API}/posts/1%00", headers=bearer(owner))
        refused(response, 422, "text_has_nul", "path")
    with case("without a token"):
        response = await api.post(f"{API}/posts", json=post_payload(writer, body=nul))
        refused(response, 422, "text_has_nul", "body")
    assert await snapshot(api, owner) == before


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    post = await create_post(api, writer, body="Le code \\u0000 s'écrit ainsi.")
    assert post["body"] == "Le code \\u0000 s'écrit ainsi."


async def test_nul_in_public_pages_and_forms_is_refused(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    for path in (f"/t/{writer.client_slug}%00", f"/blog/{writer.client_slug}%00"):
        with case(path):
            response = await api.get(path)
            assert response.status_code == 422, response.text
            assert "NUL" in response.text
    login = await api.get("/login")
    csrf = login.text.split('name="csrftoken" value="')[1].split('"')[0]
    response = await api.post(
        "/login",
        data={"csrftoken": csrf, "email": "aline@cl-consult.fr\u0000", "password": "x" * 12},
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/people/{person}", {"full_name": None}, "full_name"),
        ("/people/{person}", {"locale": None}, "locale"),
        ("/people/{person}", {"password": None}, "password"),
        ("/clients/{client}", {"name": None}, "name"),
        ("/clients/{client}", {"timezone": None}, "timezone"),
        ("/clients/{client}", {"locale": None}, "locale"),
        ("/channels/{channel}", {"name": None}, "name"),
        ("/channels/{channel}", {"config": None}, "config"),
        ("/channels/{channel}", {"credentials": None}, "credentials"),
    ],
)
async def test_null_for_what_cannot_be_emptied_is_refused(
    api: httpx.AsyncClient, writer: Writer, path: str, payload: dict[str, Any], field: str
) -> None:
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    url = API + path.format(
        person=writer.person_id, client=writer.client_id, channel=writer.channel_id
    )
    response = await api.patch(url, headers=bearer(owner), json=payload)
    refused(response, 422, "invalid_field", field, says="cannot be null")
    assert await snapshot(api, owner) == before


async def test_null_where_it_means_the_default_is_accepted(
    api: httpx.AsyncClient, writer: Writer
) -> None:
    owner = writer.org.owner_token
    url = f"{API}/people/{writer.person_id}"
    person = await ok(await api.patch(url, headers=bearer(owner), json={"role_title": None}))
    assert person["role_title"] is None


async def test_unreadable_json_is_invalid_json(api: httpx.AsyncClient, writer: Writer) -> None:
    headers = {**bearer(writer.token), "Content-Type": "application/json"}
    payload = post_payload(writer)
    for label, content, says in [
        ("not UTF-8", json.dumps(payload, ensure_ascii=False).replace("è", "\udce8", 1), "UTF-8"),
        ("nested 100k deep", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("nested in a field", '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested"),
    ]:
        with case(label):
            body = content.encode("utf-8", "surrogateescape")
            response = await api.post(f"{API}/posts", headers=headers, content=body)
            refused(response, 400, "invalid_json", None, says=says)
    assert await get_json(api, "/posts", writer.token) == []


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/clients", {"name": "Lamour", "timezone": "E" * 65}, "timezone"),
        ("/clients/{client}/channels", {"kind": "k" * 51, "name": "Blog"}, "kind"),
        (
            "/people",
            {"email": "a@b.fr", "full_name": "Ange", "photo_url": "https://a.fr/" + "p" * 2000},
            "photo_url",
        ),
        ("/posts", {"link": "https://a.fr/" + "p" * 2000}, "link"),
        ("/posts", {"scheduled_at": f"{Y}-01-15T09:30:00+01:00" + " " * 64}, "scheduled_at"),
        ("/posts", {"body": "x" * 50_001}, "body"),
    ],
)
async def test_over_long_text_is_refused(
    api: httpx.AsyncClient, writer: Writer, path: str, payload: dict[str, Any], field: str
) -> None:
    owner = writer.org.owner_token
    before = await snapshot(api, owner)
    token = writer.token if path == "/posts" else owner
    body = post_payload(writer, **payload) if path == "/posts" else payload
    response = await post_json(api, path.format(client=writer.client_id), token, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) in {("invalid_field", field), ("body_too_long", field)}
    assert await snapshot(api, owner) == before


async def test_an_unknown_query_parameter_is_named(api: httpx.AsyncClient, writer: Writer) -> None:
    response = await api.get(f"{API}/posts", headers=bearer(writer.token), params={"clientid": 3})
    refused(response, 422, "unknown_field", "clientid")


async def test_every_operation_documents_its_error_responses(app: FastAPI) -> None:
    document = app.openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
            assert {422, 500} <= set(errors), label
            if "requestBody" in operation:
                assert {400, 413} <= set(errors), label
            if operation.get("security"):
                assert 401 in errors, label
            if "{" in path:
                assert 404 in errors, label
            for response in errors.values():
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, label
