"""On a post's page, a published delivery offers "Re-sync" and "Remove from <channel>": they call
the same services as the API, need the form's CSRF token, and say a refusal on the card."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.dispatch.engine import Dispatcher
from app.state import AppState
from tests.conftest import AppFactory
from tests.factories import Writer, bearer, engaged_writer, ok, write_post
from tests.helpers.web import browser, csrf_of, log_in

CM_PASSWORD = "a long enough passphrase 7"


@pytest.fixture
async def app(make_app: AppFactory) -> FastAPI:
    started: FastAPI = await make_app()
    return started


@pytest.fixture
async def writer(app: FastAPI, client: httpx.AsyncClient) -> Writer:
    return await engaged_writer(app.state.byline, client, password=CM_PASSWORD)


@pytest.fixture
async def cm(app: FastAPI, writer: Writer) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as web:
        await log_in(web, "mauricette@cl-consult.fr", CM_PASSWORD)
        yield web


async def _published(app: FastAPI, client: httpx.AsyncClient, writer: Writer) -> tuple[int, int]:
    state: AppState = app.state.byline
    post = await write_post(client, writer, title="Galettes", body="Les galettes sont là.")
    await Dispatcher(state).tick()
    done = await ok(await client.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))
    assert done["status"] == "published"
    return post["id"], done["deliveries"][0]["id"]


async def test_a_published_post_is_re_synced_then_taken_down_from_its_page(
    app: FastAPI, cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    post_id, delivery_id = await _published(app, client, writer)
    page = await cm.get(f"/app/posts/{post_id}")
    assert "Re-sync" in page.text and "Remove from Blog" in page.text
    token = await csrf_of(cm, f"/app/posts/{post_id}")
    resynced = await cm.post(
        f"/app/posts/{post_id}/deliveries/{delivery_id}/resync",
        data={"csrftoken": token},
        follow_redirects=True,
    )
    assert "Re-synced" in resynced.text and "See it where it was published" in resynced.text
    removed = await cm.post(
        f"/app/posts/{post_id}/deliveries/{delivery_id}/remove",
        data={"csrftoken": token},
        follow_redirects=True,
    )
    assert "Taken down from the channel." in removed.text
    assert "See it where it was published" not in removed.text
    assert "Remove from Blog" not in removed.text
    # Taken down already: asking again is refused on the delivery's card.
    again = await cm.post(
        f"/app/posts/{post_id}/deliveries/{delivery_id}/remove", data={"csrftoken": token}
    )
    assert again.status_code == 409
    card = again.text.split(f'id="delivery-{delivery_id}"')[1].split("</li>")[0]
    assert 'role="alert"' in card and "only a post published on its channel" in card


@pytest.mark.parametrize("action", ["resync", "remove"])
async def test_each_form_needs_its_csrf_token(
    app: FastAPI, cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer, action: str
) -> None:
    post_id, delivery_id = await _published(app, client, writer)
    refused = await cm.post(f"/app/posts/{post_id}/deliveries/{delivery_id}/{action}", data={})
    assert refused.status_code == 403 and "csrf_failed" in refused.text
    blog = await client.get(f"/blog/{writer.client_slug}")
    assert ">Galettes<" in blog.text  # nothing was taken down
