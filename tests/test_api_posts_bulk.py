"""POST /api/v1/posts/bulk: a month of posts at once, all or nothing."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import Writer, bearer, engaged_writer, ok
from tests.test_api_refusals import cheap_password_hashing, http_for, refused


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


def item(writer: Writer, state: AppState, day: int, **fields: object) -> dict[str, object]:
    when = (state.clock() + timedelta(days=day)).replace(microsecond=0).isoformat()
    return {
        "client_id": writer.client_id,
        "channel_ids": [writer.channel_id],
        "title": f"Jour {day}",
        "body": f"Le pain du jour {day}.",
        "scheduled_at": when,
        **fields,
    }


async def bulk(api: httpx.AsyncClient, writer: Writer, posts: list[object], **headers: str):
    return await api.post(
        "/api/v1/posts/bulk", headers={**bearer(writer.token), **headers}, json={"posts": posts}
    )


async def listed(api: httpx.AsyncClient, writer: Writer) -> list[dict[str, object]]:
    return await ok(await api.get("/api/v1/posts", headers=bearer(writer.token)))


async def test_a_month_of_posts_is_created_signed_and_scheduled(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    created = await ok(
        await bulk(api, writer, [item(writer, state, day) for day in range(1, 31)]), 201
    )
    assert [post["title"] for post in created] == [f"Jour {day}" for day in range(1, 31)]
    assert {post["status"] for post in created} == {"scheduled"}
    assert {post["signature"]["full_name"] for post in created} == {"Mauricette Raoul"}
    assert all(len(post["deliveries"]) == 1 for post in created)
    assert len(await listed(api, writer)) == 30


async def test_one_refused_item_refuses_the_batch_and_says_which_and_why(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    other = await engaged_writer(
        state,
        api,
        org=writer.org,
        email="guy@cl-consult.fr",
        full_name="Guy Couturier",
        client_name="Fromagerie Gautron",
    )
    posts = [
        item(writer, state, 1),
        item(writer, state, 2, body="   "),
        item(writer, state, 3, channel_ids=[other.channel_id]),
        {"channel_ids": [writer.channel_id], "body": "Sans client."},
        item(writer, state, 5, author_id=other.person_id),
        item(writer, state, 6),
    ]
    items = frozenset({"items"})
    english = refused(
        await bulk(api, writer, posts), 422, "bulk_refused", "posts", says="4 of the 6", extra=items
    )
    assert [(i["index"], i["code"], i["field"]) for i in english["items"]] == [
        (1, "body_empty", "body"),
        (2, "channel_not_of_client", "channel_ids"),
        (3, "field_required", "client_id"),
        (4, "unknown_field", "author_id"),
    ]
    assert all(len(i["message"]) > 20 for i in english["items"])
    french = refused(
        await bulk(api, writer, posts, **{"Accept-Language": "fr"}),
        422,
        "bulk_refused",
        "posts",
        extra=items,
    )
    assert "aucune ne l'a été" in french["message"]
    assert "Écrivez quelque chose" in french["items"][0]["message"]
    assert await listed(api, writer) == []  # nothing half-written


async def test_more_than_five_hundred_is_refused_before_anything(
    api: httpx.AsyncClient, state: AppState
) -> None:
    writer = await engaged_writer(state, api)
    response = await bulk(api, writer, [item(writer, state, 1)] * 501)
    error = refused(response, 422, "invalid_field", "posts", says="at most 500")
    assert "items" not in error
    assert await listed(api, writer) == []
