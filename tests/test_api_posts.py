"""Posts through the REST API: listing and filters, who sees what, scheduling in the client's
zone, editing (which signs again), cancelling, and what reaches the blog."""

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.conftest import AppFactory
from tests.factories import (
    Writer,
    bearer,
    engaged_writer,
    ok,
    setup_org,
    token_for,
    write_post,
)
from tests.test_api_refusals import (
    API,
    FALL_BACK,
    SPRING_FORWARD,
    Y,
    add_blog,
    add_client,
    add_person,
    case,
    cheap_password_hashing,
    create_post,
    engage,
    get_json,
    http_for,
    post_json,
    refused,
    second_writer,
)

ATOM = "{http://www.w3.org/2005/Atom}"
SETTLED = ("published", "partially_published", "failed", "held", "needs_attention", "cancelled")


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


def utc(text: str) -> datetime:
    """Parse a response time, insisting that it carries an offset and that the offset is UTC."""
    value = datetime.fromisoformat(text)
    assert value.utcoffset() == timedelta(0), f"{text} is not UTC with an offset"
    return value


async def patch(
    http: httpx.AsyncClient, post_id: int, token: str, payload: Any, **headers: str
) -> httpx.Response:
    return await http.patch(
        f"{API}/posts/{post_id}", headers={**bearer(token), **headers}, json=payload
    )


async def cancel(
    http: httpx.AsyncClient, post_id: int, token: str, **headers: str
) -> httpx.Response:
    return await post_json(http, f"/posts/{post_id}/cancel", token, **headers)


async def wait_settled(
    http: httpx.AsyncClient, post_id: int, token: str, seconds: float = 15
) -> dict[str, Any]:
    """Poll the post until the dispatcher has settled it, for at most `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        post: dict[str, Any] = await get_json(http, f"/posts/{post_id}", token)
        if post["status"] in SETTLED:
            return post
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"post {post_id} still {post['status']} after {seconds} s")
        await asyncio.sleep(0.1)


@dataclass
class Dispatching:
    """An app whose dispatcher runs, with an engaged writer."""

    app: FastAPI
    http: httpx.AsyncClient
    writer: Writer


@pytest.fixture
async def dispatching(make_app: AppFactory) -> AsyncIterator[Dispatching]:
    app = await make_app(dispatcher=True)
    state: AppState = app.state.byline
    async with http_for(app) as http:
        yield Dispatching(app, http, await engaged_writer(state, http))


def ids(posts: list[dict[str, Any]]) -> list[int]:
    return [post["id"] for post in posts]


# --------------------------------------------------------------------------- listing


@dataclass
class Newsroom:
    """Mauricette writes for Boulangerie Corre, Didier for Fromagerie Gautron.
    Posts: Mauricette on 15 Jan and (cancelled) 1 Mar, Didier on 1 Feb, all next year."""

    mauricette: Writer
    didier: Writer
    january: dict[str, Any]
    february: dict[str, Any]
    march: dict[str, Any]


async def newsroom(state: AppState, http: httpx.AsyncClient) -> Newsroom:
    mauricette = await engaged_writer(state, http)
    fromagerie = await add_client(http, mauricette.org.owner_token, "Fromagerie Gautron")
    await add_blog(http, mauricette.org.owner_token, fromagerie["id"])
    didier = await second_writer(state, http, mauricette, fromagerie["id"])
    january = await create_post(http, mauricette, scheduled_at=f"{Y}-01-15T09:30:00+01:00")
    february = await create_post(http, didier, scheduled_at=f"{Y}-02-01T09:30:00+01:00")
    march = await create_post(http, mauricette, scheduled_at=f"{Y}-03-01T09:30:00+01:00")
    march = await ok(await cancel(http, march["id"], mauricette.token))
    return Newsroom(mauricette, didier, january, february, march)


async def test_a_created_post_is_answered_as_it_reads_back(
    api: httpx.AsyncClient, state: AppState
) -> None:
    # POST /posts answers from what it wrote, without reading it back: the two must agree.
    writer = await engaged_writer(state, api)
    created = await write_post(api, writer, scheduled_at="2031-05-02T09:30:00")
    assert created["deliveries"] and created["deliveries"][0]["id"]
    read = await ok(await api.get(f"{API}/posts/{created['id']}", headers=bearer(writer.token)))
    assert created == read


async def test_list_filters(api: httpx.AsyncClient, state: AppState) -> None:
    room = await newsroom(state, api)
    owner = room.mauricette.org.owner_token
    jan, feb, mar = room.january["id"], room.february["id"], room.march["id"]
    for query, expected in (
        ({}, [mar, feb, jan]),  # newest scheduled first
        ({"client_id": room.mauricette.client_id}, [mar, jan]),
        ({"client_id": room.didier.client_id}, [feb]),
        ({"client_id": 99_999}, []),
        ({"status": "scheduled"}, [feb, jan]),
        ({"status": "cancelled"}, [mar]),
        ({"status": "published"}, []),
        ({"author_id": room.didier.person_id}, [feb]),
        ({"author_id": room.mauricette.person_id}, [mar, jan]),
        ({"scheduled_from": f"{Y}-01-20T00:00:00+01:00"}, [mar, feb]),
        ({"scheduled_to": f"{Y}-01-20T00:00:00Z"}, [jan]),
        (
            {"scheduled_from": f"{Y}-01-20T00:00:00+01:00", "scheduled_to": f"{Y}-02-15T00:00:00Z"},
            [feb],
        ),
        ({"client_id": room.mauricette.client_id, "status": "scheduled"}, [jan]),
        ({"limit": 1}, [mar]),
        ({"limit": 1, "offset": 1}, [feb]),
    ):
        with case(query):
            assert ids(await get_json(api, "/posts", owner, **query)) == expected


async def test_a_cm_sees_only_their_own_posts(api: httpx.AsyncClient, state: AppState) -> None:
    room = await newsroom(state, api)
    mauricette, didier = room.mauricette.token, room.didier.token
    assert ids(await get_json(api, "/posts", mauricette)) == [room.march["id"], room.january["id"]]
    assert ids(await get_json(api, "/posts", didier)) == [room.february["id"]]
    # Another CM's post is not found, whatever is done to it; the owner sees it.
    post_id = room.february["id"]
    for label, response in (
        ("get", await api.get(f"{API}/posts/{post_id}", headers=bearer(mauricette))),
        ("patch", await patch(api, post_id, mauricette, {"body": "Autre texte"})),
        ("cancel", await cancel(api, post_id, mauricette)),
    ):
        with case(label):
            refused(response, 404, "not_found", None, says="GET /api/v1/posts")
    unchanged = await get_json(api, f"/posts/{post_id}", room.mauricette.org.owner_token)
    assert unchanged == room.february


async def test_a_cm_filtering_on_a_colleague_gets_nothing(
    api: httpx.AsyncClient, state: AppState
) -> None:
    mauricette = await engaged_writer(state, api)
    didier = await second_writer(state, api, mauricette)
    await create_post(api, mauricette)
    await create_post(api, didier)
    posts = await get_json(api, "/posts", mauricette.token, author_id=didier.person_id)
    assert posts == []


async def test_list_refuses_bad_filters(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    for query, field in (
        ({"status": "sent"}, "status"),
        ({"client_id": "Boulangerie Corre"}, "client_id"),
        ({"scheduled_from": "hier"}, "scheduled_from"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        with case(query):
            response = await api.get(f"{API}/posts", headers=bearer(org.owner_token), params=query)
            refused(response, 422, "invalid_field", field)


async def test_list_with_a_time_without_offset_is_not_a_500(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    for name in ("scheduled_from", "scheduled_to"):
        with case(name):
            response = await api.get(
                f"{API}/posts",
                headers=bearer(org.owner_token),
                params={name: f"{Y}-01-01T00:00:00"},
            )
            assert response.status_code in (200, 422), response.text
            if response.status_code == 422:
                refused(response, 422, "invalid_field", name)


# --------------------------------------------------------------------------- scheduling


async def test_times_without_offset_are_read_in_the_clients_zone(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)  # Boulangerie Corre is in Europe/Paris
    for given, expected in (
        (f"{Y}-01-15T09:30:00", f"{Y}-01-15T08:30:00Z"),  # winter, +01:00
        (f"{Y}-07-15T09:30:00", f"{Y}-07-15T07:30:00Z"),  # summer, +02:00
        (f"{Y}-01-15T09:30", f"{Y}-01-15T08:30:00Z"),
        (f"{SPRING_FORWARD}T03:30:00", f"{SPRING_FORWARD}T01:30:00Z"),  # just after the spring gap
        (f"{FALL_BACK}T02:30:00", f"{FALL_BACK}T00:30:00Z"),  # autumn overlap: the first 02:30
        (f"{Y}-01-15T09:30:00-05:00", f"{Y}-01-15T14:30:00Z"),  # an explicit offset wins
        (f"{Y}-07-15T09:30:00+02:00", f"{Y}-07-15T07:30:00Z"),
        (f"{Y}-01-15T09:30:00Z", f"{Y}-01-15T09:30:00Z"),
        (f"{Y}-01-15T09:30:00+00:00", f"{Y}-01-15T09:30:00Z"),
    ):
        with case(given):
            post = await create_post(api, writer, scheduled_at=given)
            assert post["scheduled_at"] == expected
            assert post["scheduled_zone"] == "Europe/Paris"
            assert [d["due_at"] for d in post["deliveries"]] == [expected]
            stored = await get_json(api, f"/posts/{post['id']}", writer.token)
            assert stored["scheduled_at"] == expected
            assert stored["deliveries"][0]["due_at"] == expected
            for when in (
                stored["created_at"],
                stored["updated_at"],
                stored["signature"]["signed_at"],
            ):
                utc(when)
    # Another client, another zone.
    owner = writer.org.owner_token
    new_york = await add_client(api, owner, "Bagels Corre", timezone="America/New_York")
    blog = await add_blog(api, owner, new_york["id"])
    await engage(api, owner, writer.token, new_york["id"], writer.person_id)
    post = await create_post(
        api,
        writer,
        client_id=new_york["id"],
        channel_ids=[blog["id"]],
        scheduled_at=f"{Y}-01-15T09:30:00",
    )
    assert post["scheduled_at"] == f"{Y}-01-15T14:30:00Z"
    assert post["scheduled_zone"] == "America/New_York"


async def test_leaving_out_scheduled_at_publishes_now(dispatching: Dispatching) -> None:
    http, writer = dispatching.http, dispatching.writer
    before = datetime.now(UTC)
    created = await create_post(http, writer, scheduled_at=None, title="Ouvert ce dimanche")
    after = datetime.now(UTC)
    assert created["status"] == "scheduled"
    slack = timedelta(seconds=2)
    assert before - slack <= utc(created["scheduled_at"]) <= after + slack
    assert before - slack <= utc(created["deliveries"][0]["due_at"]) <= after + slack

    post = await wait_settled(http, created["id"], writer.token)
    delivery = post["deliveries"][0]
    assert post["status"] == "published", delivery["last_error"]
    assert delivery["status"] == "published" and delivery["attempts"] >= 1
    assert utc(delivery["published_at"]) >= utc(created["scheduled_at"]) - slack
    blog = await http.get(f"/blog/{writer.client_slug}")
    assert "Ouvert ce dimanche" in blog.text and "Mauricette Raoul" in blog.text


async def test_duplicate_channel_ids_make_one_delivery(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    post = await create_post(api, writer, channel_ids=[writer.channel_id, writer.channel_id])
    assert [d["channel_id"] for d in post["deliveries"]] == [writer.channel_id]


# --------------------------------------------------------------------------- editing


async def test_patch_before_sending_changes_the_post_and_signs_it_again(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    post = await create_post(api, writer)
    hashes = {post["signature"]["content_hash"]}
    for change, check in (
        ({"body": "Finalement, les galettes arrivent vendredi."}, "body"),
        ({"title": "Galettes : changement de date"}, "title"),
        ({"link": "https://boulangerie-corre.fr/galettes"}, "link"),
        ({"title": None}, "title"),
    ):
        with case(change):
            updated = await ok(await patch(api, post["id"], writer.token, change))
            value = next(iter(change.values()))
            assert updated[check] == value
            assert updated["status"] == "scheduled"
            assert updated["author"] == {"id": writer.person_id, "full_name": "Mauricette Raoul"}
            assert updated["signature"]["full_name"] == "Mauricette Raoul"
            assert updated["signature"]["content_hash"] not in hashes
            assert utc(updated["signature"]["signed_at"]) >= utc(post["signature"]["signed_at"])
            hashes.add(updated["signature"]["content_hash"])
            assert updated.pop("revisions") == []  # it had gone out nowhere
            assert await get_json(api, f"/posts/{post['id']}", writer.token) == updated
    moved = await ok(
        await patch(api, post["id"], writer.token, {"scheduled_at": f"{Y}-02-01T10:00:00"})
    )
    assert moved["scheduled_at"] == f"{Y}-02-01T09:00:00Z"
    assert [d["due_at"] for d in moved["deliveries"]] == [f"{Y}-02-01T09:00:00Z"]
    assert moved["body"] == "Finalement, les galettes arrivent vendredi."
    stored = await get_json(api, f"/posts/{post['id']}", writer.token)
    assert stored["deliveries"][0]["due_at"] == f"{Y}-02-01T09:00:00Z"


async def test_patch_refusals_leave_the_post_unchanged(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    other = await add_client(api, writer.org.owner_token, "Fromagerie Gautron")
    other_blog = await add_blog(api, writer.org.owner_token, other["id"])
    post = await create_post(api, writer)
    for change, status, code, field in (
        ({"body": "   "}, 422, "body_empty", "body"),
        ({"body": None}, 422, "body_empty", "body"),
        ({"body": "x" * 50_001}, 422, "body_too_long", "body"),
        (
            {"scheduled_at": "2020-01-01T09:00:00+01:00"},
            422,
            "scheduled_at_in_past",
            "scheduled_at",
        ),
        ({"scheduled_at": "demain"}, 422, "scheduled_at_invalid", "scheduled_at"),
        (
            {"scheduled_at": f"{SPRING_FORWARD}T02:30:00"},
            422,
            "scheduled_at_nonexistent",
            "scheduled_at",
        ),
        ({"channel_ids": [other_blog["id"]]}, 422, "channel_not_of_client", "channel_ids"),
    ):
        with case(change if len(str(change)) < 80 else "long body"):
            refused(await patch(api, post["id"], writer.token, change), status, code, field)
            assert await get_json(api, f"/posts/{post['id']}", writer.token) == post


async def test_editing_checks_the_signing_rules_again(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    owner = writer.org.owner_token
    post = await create_post(api, writer)
    withdraw = f"/people/{writer.person_id}/attest/withdraw"
    await ok(await post_json(api, withdraw, owner, {"reason": "Nom à vérifier"}))
    refused(
        await patch(api, post["id"], writer.token, {"body": "Nouveau texte"}),
        403,
        "author_not_attested",
    )
    attest = f"/people/{writer.person_id}/attest"
    await ok(await post_json(api, attest, owner, {"method": "id_document"}))
    await ok(await post_json(api, f"/engagements/{writer.engagement_id}/end", owner))
    refused(
        await patch(api, post["id"], writer.token, {"body": "Nouveau texte"}),
        403,
        "no_engagement",
        says="Boulangerie Corre",
    )
    assert await get_json(api, f"/posts/{post['id']}", writer.token) == post


async def test_only_the_author_changes_what_a_post_says(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    colleague = await second_writer(state, api, writer)  # also engaged with Boulangerie Corre
    await add_person(
        api,
        writer.org.owner_token,
        full_name="Bérangère Gautron",
        email="berangere@cl-consult.fr",
        role="manager",
    )
    manager = await token_for(state, "berangere@cl-consult.fr")
    post = await create_post(api, writer)
    for label, token, lang, says in (
        ("owner", writer.org.owner_token, "en", "nobody writes under someone else's name"),
        ("manager", manager, "en", "Only the author"),
        ("manager in French", manager, "fr", "Seul·e l'auteur·ice"),
    ):
        with case(label):
            response = await patch(
                api,
                post["id"],
                token,
                {"body": "Texte de la direction"},
                **{"Accept-Language": lang},
            )
            refused(response, 403, "not_post_author", None, says=says)
    # A colleague CM cannot even see it.
    response = await patch(api, post["id"], colleague.token, {"body": "Texte de Didier"})
    refused(response, 404, "not_found")
    assert await get_json(api, f"/posts/{post['id']}", writer.token) == post


# --------------------------------------------------------------------------- cancelling


async def test_cancel_by_the_author_or_a_manager(api: httpx.AsyncClient, state: AppState) -> None:
    writer = await engaged_writer(state, api)
    colleague = await second_writer(state, api, writer)
    first = await create_post(api, writer)
    second = await create_post(api, writer, scheduled_at=f"{Y}-02-01T09:30:00+01:00")
    refused(await cancel(api, first["id"], colleague.token), 404, "not_found")
    for post, token in ((first, writer.token), (second, writer.org.owner_token)):
        cancelled = await ok(await cancel(api, post["id"], token))
        assert cancelled["status"] == "cancelled"
        assert [d["status"] for d in cancelled["deliveries"]] == ["cancelled"]
        assert cancelled["signature"] == post["signature"]
    # Once cancelled, it cannot be cancelled again nor edited.
    for label, response in (
        ("cancel again", await cancel(api, first["id"], writer.token)),
        ("patch", await patch(api, first["id"], writer.token, {"body": "Et finalement si."})),
    ):
        with case(label):
            refused(response, 409, "post_not_editable", None, says="cancelled")
    cancelled_posts = await get_json(api, "/posts", writer.token, status="cancelled")
    assert ids(cancelled_posts) == [second["id"], first["id"]]


async def test_a_cancelled_post_is_never_published(dispatching: Dispatching) -> None:
    http, writer = dispatching.http, dispatching.writer
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    post = await create_post(http, writer, title="Annulé", scheduled_at=due.isoformat())
    control = await create_post(http, writer, title="Maintenu", scheduled_at=due.isoformat())
    cancelled = await ok(await cancel(http, post["id"], writer.token))
    assert cancelled["status"] == "cancelled"
    # Past the due time the dispatcher (ticking every 0.2 s) has published the other post...
    await asyncio.sleep((due - datetime.now(UTC)).total_seconds() + 1.0)
    assert (await wait_settled(http, control["id"], writer.token))["status"] == "published"
    # ...but not the cancelled one.
    after = await get_json(http, f"/posts/{post['id']}", writer.token)
    assert after["status"] == "cancelled"
    delivery = after["deliveries"][0]
    assert delivery["status"] == "cancelled" and delivery["attempts"] == 0
    assert delivery["published_at"] is None and delivery["external_url"] is None
    blog = await http.get(f"/blog/{writer.client_slug}")
    assert blog.status_code == 200 and "Maintenu" in blog.text and "Annulé" not in blog.text


async def test_a_published_post_keeps_its_time_and_channels_and_cannot_be_cancelled(
    dispatching: Dispatching,
) -> None:
    http, writer = dispatching.http, dispatching.writer
    post = await wait_settled(
        http, (await create_post(http, writer, scheduled_at=None))["id"], writer.token
    )
    assert post["status"] == "published", post["deliveries"]
    for label, response, field, says in (
        (
            "patch the time",
            await patch(
                http, post["id"], writer.token, {"body": "Corrigé", "scheduled_at": f"{Y}-02-01"}
            ),
            "scheduled_at",
            "only its title, text and link",
        ),
        (
            "patch the channels in French",
            await patch(
                http,
                post["id"],
                writer.token,
                {"channel_ids": [writer.channel_id]},
                **{"Accept-Language": "fr"},
            ),
            "channel_ids",
            "seuls son titre, son texte et son lien",
        ),
    ):
        with case(label):
            refused(response, 409, "post_published_fields", field, says=says)
    for label, response in (
        ("cancel", await cancel(http, post["id"], writer.token)),
        ("owner cancel", await cancel(http, post["id"], writer.org.owner_token)),
    ):
        with case(label):
            refused(response, 409, "post_out_remove_instead", None, says="/remove")
    assert await get_json(http, f"/posts/{post['id']}", writer.token) == post


# --------------------------------------------------------------------------- the blog


async def test_script_in_a_post_never_reaches_the_blog_as_a_script(
    dispatching: Dispatching,
) -> None:
    state: AppState = dispatching.app.state.byline
    http = dispatching.http
    # The role title is free text, so it carries a script too.
    writer = await second_writer(
        state, http, dispatching.writer, role_title="<script>alert('role')</script>Rédaction"
    )
    body = (
        "Bonjour <script>alert('body')</script>les <b>galettes</b> arrivent !\n\n"
        '<img src="x" onerror="alert(1)"> <a href="javascript:alert(2)">Commander</a> '
        "<iframe src='https://evil.example'></iframe>"
    )
    title = "<script>alert('title')</script>Galettes & Cie"
    created = await create_post(http, writer, scheduled_at=None, title=title, body=body)
    assert created["body"] == body and created["title"] == title  # the API keeps what was written
    post = await wait_settled(http, created["id"], writer.token)
    delivery = post["deliveries"][0]
    assert post["status"] == "published", delivery["last_error"]

    pages = {
        "index": await http.get(f"/blog/{writer.client_slug}"),
        "article": await http.get(delivery["external_url"]),
        "feed": await http.get(f"/blog/{writer.client_slug}/feed.xml"),
    }
    for label, page in pages.items():
        with case(label):
            assert page.status_code == 200
            html = page.text
            lowered = html.lower()
            assert not re.search(r"<\s*script", lowered), html
            assert "<iframe" not in lowered and "onerror=" not in lowered, html
            assert 'href="javascript:' not in lowered, html
            assert "Galettes" in html and "Didier Corre" in html
    article = pages["article"].text
    assert "Bonjour" in article and "<b>galettes</b>" in article and "Commander" in article
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;Galettes &amp; Cie" in article
    assert "&lt;script&gt;alert(&#39;role&#39;)&lt;/script&gt;Rédaction" in article
    # The feed carries the article as escaped HTML: once unescaped, it holds no script either.
    entry = ET.fromstring(pages["feed"].content).find(f"{ATOM}entry")
    assert entry is not None
    content = (entry.findtext(f"{ATOM}content") or "").lower()
    assert "galettes" in content
    assert "<script" not in content and "onerror" not in content and "javascript:" not in content
