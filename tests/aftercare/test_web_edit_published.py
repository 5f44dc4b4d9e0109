"""Editing a post that went out, from the web: the form changes its words only (time and
channels shown, not editable), calls the same service as PATCH /api/v1/posts/{id}, and the
post's page says what each channel did with the edit, with "Send the edit again" where a
channel did not take it."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from app.dispatch.engine import Dispatcher
from app.state import AppState
from connectors.local_blog import LocalBlogConnector
from tests.conftest import BASE_URL, AppFactory
from tests.factories import Writer, bearer, engaged_writer, ok
from tests.helpers.editable import Editable, Fixed
from tests.helpers.web import browser, csrf_of, log_in

CM_PASSWORD = "a long enough passphrase 7"


@dataclass
class Scene:
    web: httpx.AsyncClient
    post_id: int
    editable_delivery: int
    fixed_delivery: int

    def card(self, page: httpx.Response, delivery_id: int) -> str:
        return page.text.split(f'id="delivery-{delivery_id}"')[1].split("</li>")[0]

    async def edit(self, body: str, **extra: str) -> httpx.Response:
        token = await csrf_of(self.web, f"/app/posts/{self.post_id}/edit")
        return await self.web.post(
            f"/app/posts/{self.post_id}/edit",
            data={"csrftoken": token, "title": "Galettes", "body": body, "link": "", **extra},
            follow_redirects=True,
        )


@pytest.fixture
async def scene(make_app: AppFactory) -> AsyncIterator[Scene]:
    Editable.shown, Editable.refuse_updates, Editable.down = {}, 0, False
    app = await make_app(
        connectors={"local_blog": LocalBlogConnector, "editable": Editable, "fixed": Fixed}
    )
    state: AppState = app.state.byline
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        writer: Writer = await engaged_writer(state, http, password=CM_PASSWORD)
        ids = []
        for kind in ("editable", "fixed"):
            channel = await ok(
                await http.post(
                    f"/api/v1/clients/{writer.client_id}/channels",
                    headers=bearer(writer.org.owner_token),
                    json={"kind": kind, "name": kind.title(), "config": {}, "credentials": {}},
                ),
                201,
            )
            ids.append(channel["id"])
        post = await ok(
            await http.post(
                "/api/v1/posts",
                headers=bearer(writer.token),
                json={
                    "client_id": writer.client_id,
                    "channel_ids": ids,
                    "title": "Galettes",
                    "body": "Les galettes sont de retour samedi.",
                },
            ),
            201,
        )
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))
        assert done["status"] == "published"
        by_channel = {d["channel_id"]: d["id"] for d in done["deliveries"]}
        async with browser(app) as web:
            await log_in(web, "mauricette@cl-consult.fr", CM_PASSWORD)
            yield Scene(web, post["id"], by_channel[ids[0]], by_channel[ids[1]])


async def test_the_form_offers_the_words_only(scene: Scene) -> None:
    page = await scene.web.get(f"/app/posts/{scene.post_id}")
    assert f'href="/app/posts/{scene.post_id}/edit"' in page.text
    form = await scene.web.get(f"/app/posts/{scene.post_id}/edit")
    assert "Edit the published post" in form.text
    assert (
        'id="date" name="date"' in form.text
        and 'disabled aria-describedby="when-hint"' in form.text
    )
    assert 'name="channel_ids" value' in form.text
    checkboxes = [line for line in form.text.splitlines() if 'type="checkbox"' in line]
    assert checkboxes and all(" disabled" in line for line in checkboxes)


async def test_an_edit_updates_the_channel_that_can_and_names_the_one_that_cannot(
    scene: Scene,
) -> None:
    page = await scene.edit("Les galettes arrivent vendredi.")
    assert page.status_code == 200
    assert "each channel below says whether it shows the edit" in page.text
    assert "Les galettes arrivent vendredi." in page.text
    assert "Updated with the edit on" in scene.card(page, scene.editable_delivery)
    assert "edit it on the channel itself" in scene.card(page, scene.fixed_delivery)
    assert any("Les galettes arrivent vendredi." in text for text in Editable.shown.values())


async def test_an_edit_a_channel_refused_is_sent_again_from_the_page(scene: Scene) -> None:
    Editable.refuse_updates = 1
    page = await scene.edit("Les galettes arrivent vendredi.")
    card = scene.card(page, scene.editable_delivery)
    assert "The edit did not reach this channel" in card and "the service is busy (503)" in card
    assert "Send the edit again" in card
    assert not any("vendredi" in text for text in Editable.shown.values())
    token = await csrf_of(scene.web, f"/app/posts/{scene.post_id}")
    again = await scene.web.post(
        f"/app/posts/{scene.post_id}/deliveries/{scene.editable_delivery}/update",
        data={"csrftoken": token},
        follow_redirects=True,
    )
    card = scene.card(again, scene.editable_delivery)
    assert "Updated with the edit on" in card and "Send the edit again" not in card
    assert any("vendredi" in text for text in Editable.shown.values())


async def test_the_page_says_it_in_french(scene: Scene) -> None:
    Editable.refuse_updates = 1
    scene.web.cookies.set("lang", "fr")
    page = await scene.edit("Les galettes arrivent vendredi.")
    assert "pas atteint ce canal : il affiche encore" in page.text
    assert "Renvoyer la modification" in page.text
    assert "modifiez-la sur le canal lui-même" in page.text


async def test_an_empty_text_is_refused_on_the_form(scene: Scene) -> None:
    refused = await scene.edit("   ")
    assert refused.status_code == 422
    assert "Edit the published post" in refused.text and 'id="body-error"' in refused.text
    page = await scene.web.get(f"/app/posts/{scene.post_id}")
    assert "Les galettes sont de retour samedi." in page.text


async def test_the_edit_needs_its_csrf_token(scene: Scene) -> None:
    refused = await scene.web.post(
        f"/app/posts/{scene.post_id}/edit", data={"body": "Les galettes arrivent vendredi."}
    )
    assert refused.status_code == 403 and "csrf_failed" in refused.text
    assert not any("vendredi" in text for text in Editable.shown.values())
