"""After publishing, through the API: an edited post updates the channels it went out on (those
that can change a post), an edit a channel refused stays owed and can be sent again, a post is
taken down from a channel, and a re-sync notices a post deleted there."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.dispatch.engine import Dispatcher
from app.state import AppState
from connectors.local_blog import LocalBlogConnector
from tests.conftest import BASE_URL, AppFactory
from tests.factories import Writer, bearer, engaged_writer, ok
from tests.helpers.editable import Editable, Fixed


@dataclass
class World:
    state: AppState
    http: httpx.AsyncClient
    writer: Writer
    editable_id: int
    fixed_id: int

    async def published_post(self, *channel_ids: int) -> dict[str, Any]:
        post = await ok(
            await self.http.post(
                "/api/v1/posts",
                headers=bearer(self.writer.token),
                json={
                    "client_id": self.writer.client_id,
                    "channel_ids": list(channel_ids),
                    "title": "Galettes",
                    "body": "Les galettes sont de retour samedi.",
                },
            ),
            201,
        )
        await Dispatcher(self.state).tick()
        return await self.get(post["id"])

    async def get(self, post_id: int, token: str | None = None) -> dict[str, Any]:
        return await ok(
            await self.http.get(
                f"/api/v1/posts/{post_id}", headers=bearer(token or self.writer.token)
            )
        )

    async def edit(self, post_id: int, change: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.http.patch(
            f"/api/v1/posts/{post_id}",
            headers={**bearer(self.writer.token), **headers},
            json=change,
        )

    async def act(self, delivery_id: int, action: str, token: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/deliveries/{delivery_id}/{action}",
            headers=bearer(token or self.writer.token),
        )

    def delivery(self, post: dict[str, Any], channel_id: int) -> dict[str, Any]:
        return next(d for d in post["deliveries"] if d["channel_id"] == channel_id)


@pytest.fixture
async def world(make_app: AppFactory) -> AsyncIterator[World]:
    Editable.shown, Editable.refuse_updates, Editable.down = {}, 0, False
    app = await make_app(
        connectors={"local_blog": LocalBlogConnector, "editable": Editable, "fixed": Fixed}
    )
    state: AppState = app.state.byline
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        writer = await engaged_writer(state, http)
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
        yield World(state, http, writer, *ids)


async def test_an_edit_updates_each_channel_that_can_and_says_which_cannot(world: World) -> None:
    post = await world.published_post(world.editable_id, world.fixed_id)
    assert post["status"] == "published"
    edited = await ok(await world.edit(post["id"], {"body": "Les galettes arrivent vendredi."}))
    outcomes = {r["channel_id"]: r["outcome"] for r in edited["revisions"]}
    assert outcomes == {world.editable_id: "updated", world.fixed_id: "not_supported"}
    [shown] = Editable.shown.values()
    # Re-rendered and signed again by the same author.
    assert shown.startswith("Les galettes arrivent vendredi.")
    assert "Mauricette Raoul" in shown
    delivery = world.delivery(edited, world.editable_id)
    assert delivery["revised_at"] is not None and delivery["revision_error"] is None
    assert delivery["external_url"] == "https://editable.test/e1/v2"
    assert edited["signature"]["content_hash"] != post["signature"]["content_hash"]
    assert edited["status"] == "published"


async def test_an_edit_a_channel_refused_stays_owed_and_can_be_sent_again(world: World) -> None:
    post = await world.published_post(world.editable_id)
    Editable.refuse_updates = 1
    edited = await ok(await world.edit(post["id"], {"title": "Galettes, vendredi"}))
    [revision] = edited["revisions"]
    assert revision["outcome"] == "failed" and "(503)" in revision["detail"]
    delivery = world.delivery(edited, world.editable_id)
    assert delivery["status"] == "published" and "(503)" in delivery["revision_error"]
    assert not next(iter(Editable.shown.values())).startswith("Galettes, vendredi")

    retried = await ok(await world.act(delivery["id"], "update"))
    assert retried["outcome"] == "updated"
    after = world.delivery(await world.get(post["id"]), world.editable_id)
    assert after["revision_error"] is None and after["revised_at"] is not None
    # Nothing more is owed: a second retry says so.
    again = await world.act(delivery["id"], "update")
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_revision_owed"


async def test_an_author_who_can_no_longer_sign_cannot_edit_what_went_out(world: World) -> None:
    post = await world.published_post(world.editable_id)
    await ok(
        await world.http.post(
            f"/api/v1/people/{world.writer.person_id}/attest/withdraw",
            headers=bearer(world.writer.org.owner_token),
            json={"reason": "nom à vérifier"},
        )
    )
    refused = await world.edit(post["id"], {"body": "Changé en douce."})
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "author_not_attested"
    assert next(iter(Editable.shown.values())).startswith("Les galettes sont de retour")
    assert (await world.get(post["id"]))["body"] == "Les galettes sont de retour samedi."


async def test_a_published_post_is_taken_down_from_a_channel(world: World) -> None:
    post = await world.published_post(world.editable_id, world.fixed_id)
    delivery = world.delivery(post, world.editable_id)
    removed = await ok(await world.act(delivery["id"], "remove"))
    assert removed["status"] == "taken_down" and removed["external_url"] is None
    assert removed["taken_down_at"] is not None
    assert Editable.shown == {}
    after = await world.get(post["id"])
    assert after["status"] == "partially_published"
    # Taken down once: again is refused, plainly.
    again = await world.act(delivery["id"], "remove", token=world.writer.org.owner_token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "delivery_not_published"
    # A channel that cannot take posts down says so.
    fixed = await world.act(world.delivery(post, world.fixed_id)["id"], "remove")
    assert fixed.status_code == 409
    assert fixed.json()["error"]["code"] == "channel_cannot_remove"
    french = await world.http.post(
        f"/api/v1/deliveries/{world.delivery(post, world.fixed_id)['id']}/remove",
        headers={**bearer(world.writer.token), "Accept-Language": "fr"},
    )
    assert "retirez-la directement sur le canal" in french.json()["error"]["message"]


async def test_a_resync_notices_a_post_deleted_on_its_channel(world: World) -> None:
    post = await world.published_post(world.editable_id)
    delivery = world.delivery(post, world.editable_id)
    still = await ok(await world.act(delivery["id"], "resync"))
    assert still["status"] == "published"
    assert still["external_url"] == "https://editable.test/e1/live"
    Editable.shown.clear()  # someone deleted it on the destination
    gone = await ok(await world.act(delivery["id"], "resync"))
    assert gone["status"] == "taken_down" and gone["external_url"] is None
    assert "deleted there" in gone["last_error"]
    assert (await world.get(post["id"]))["status"] == "taken_down"


async def test_only_the_author_an_owner_or_a_manager_act_on_a_delivery(world: World) -> None:
    post = await world.published_post(world.editable_id)
    delivery = world.delivery(post, world.editable_id)
    colleague = await engaged_writer(
        world.state,
        world.http,
        org=world.writer.org,
        full_name="Gaëlle Quéré",
        email="gaelle@cl-consult.fr",
        client_name="Crêperie Ty Breizh",
    )
    for action in ("remove", "resync", "update"):
        stranger = await world.act(delivery["id"], action, token=colleague.token)
        assert stranger.status_code == 404, (action, stranger.text)
    assert Editable.shown != {}
    owner = await ok(await world.act(delivery["id"], "resync", token=world.writer.org.owner_token))
    assert owner["status"] == "published"


async def test_a_channel_that_fails_changes_nothing_and_says_why(world: World) -> None:
    post = await world.published_post(world.editable_id)
    delivery = world.delivery(post, world.editable_id)
    Editable.down = True
    for action in ("remove", "resync"):
        failed = await world.act(delivery["id"], action)
        assert failed.status_code == 502, (action, failed.text)
        error = failed.json()["error"]
        assert error["code"] == "channel_call_failed" and "(503)" in error["message"]
    assert world.delivery(await world.get(post["id"]), world.editable_id) == delivery
