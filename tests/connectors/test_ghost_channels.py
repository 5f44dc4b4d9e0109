"""A Ghost channel through the REST API and the real dispatcher: created with its Admin API key
never shown back, checked, and publishing a signed article; a post whose author Ghost would
replace by its owner is held with the reason until an owner decides."""

import httpx

from app.dispatch.engine import Dispatcher
from tests.conftest import BASE_URL, AppFactory
from tests.connectors.fake_ghost import GHOST_KEY, GHOST_SECRET, GHOST_SITE, OWNER_ID, FakeGhost
from tests.factories import bearer, engaged_writer, ok

API = "/api/v1"


async def test_a_ghost_channel_is_created_checked_and_never_shows_its_key(
    make_app: AppFactory,
) -> None:
    site = FakeGhost()
    app = await make_app(http_transport=httpx.MockTransport(site))
    state = app.state.byline
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        writer = await engaged_writer(state, http)
        owner = bearer(writer.org.owner_token)
        created = await http.post(
            f"{API}/clients/{writer.client_id}/channels",
            headers=owner,
            json={
                "kind": "ghost",
                "name": "Blog Ghost",
                "config": {"site_url": GHOST_SITE},
                "credentials": {"admin_api_key": GHOST_KEY},
            },
        )
        channel = await ok(created, 201)
        checked = await ok(await http.post(f"{API}/channels/{channel['id']}/check", headers=owner))
        refused = await http.post(
            f"{API}/clients/{writer.client_id}/channels",
            headers=owner,
            json={
                "kind": "ghost",
                "name": "Blog Ghost",
                "config": {"site_url": GHOST_SITE},
                "credentials": {"admin_api_key": "22444f78447824223cefc48062"},
            },
        )
    assert channel["config"] == {
        "site_url": f"{GHOST_SITE}/",
        "status": "published",
        "authors": {},
        "accept_default_author": False,
    }
    assert GHOST_SECRET not in created.text
    assert checked["ok"] is True
    assert checked["detail"].startswith("site Le blog de la Boulangerie: the Admin API key works")
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "credentials"
    assert "Content API key" in refused.json()["error"]["message"]
    assert site.published == []


async def test_a_post_ghost_would_sign_with_its_owner_waits_until_an_owner_accepts_it(
    make_app: AppFactory,
) -> None:
    site = FakeGhost()
    app = await make_app(http_transport=httpx.MockTransport(site))
    state = app.state.byline
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        # Nobody on the Ghost site has Jeanne's address, and the channel maps nobody by hand.
        writer = await engaged_writer(
            state, http, full_name="Jeanne Morel", email="jeanne@cl-consult.fr"
        )
        owner = bearer(writer.org.owner_token)
        channel = await ok(
            await http.post(
                f"{API}/clients/{writer.client_id}/channels",
                headers=owner,
                json={
                    "kind": "ghost",
                    "name": "Blog Ghost",
                    "config": {"site_url": GHOST_SITE},
                    "credentials": {"admin_api_key": GHOST_KEY},
                },
            ),
            201,
        )
        post = await ok(
            await http.post(
                f"{API}/posts",
                headers=bearer(writer.token),
                json={
                    "client_id": writer.client_id,
                    "channel_ids": [channel["id"]],
                    "title": "Les galettes",
                    "body": "Les galettes sont là.",
                },
            ),
            201,
        )
        await Dispatcher(state).tick()
        held = await ok(await http.get(f"{API}/posts/{post['id']}", headers=owner))
        assert held["deliveries"][0]["status"] == "held"
        assert "Ghost would show its owner as the author" in held["deliveries"][0]["last_error"]
        assert site.published == []

        await ok(
            await http.patch(
                f"{API}/channels/{channel['id']}",
                headers=owner,
                json={"config": {"site_url": GHOST_SITE, "accept_default_author": True}},
            )
        )
        fixed = await ok(await http.post(f"{API}/channels/{channel['id']}/check", headers=owner))
        assert fixed["ok"] is True and "1 held deliveries released" in fixed["detail"]
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"{API}/posts/{post['id']}", headers=owner))

    assert done["status"] == "published", done["deliveries"]
    (article,) = site.posts
    assert article["title"] == "Les galettes"
    assert "Jeanne Morel" in article["html"] and "Les galettes sont là." in article["html"]
    assert [author["id"] for author in article["authors"]] == [OWNER_ID]
    assert done["deliveries"][0]["external_url"] == article["url"]
