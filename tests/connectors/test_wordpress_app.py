"""The WordPress author rule through Byline itself: the dispatcher sends who signs (their id and
current e-mail), a check names each engaged person's WordPress name, and a post WordPress would
show under the agency's account is held until an owner maps its author."""

from typing import Any

import httpx

from app.dispatch.engine import Dispatcher
from tests.conftest import AppFactory
from tests.connectors.fakes import WP_PASSWORD, WP_SITE, WP_USER, FakeWordPress, WPUser
from tests.factories import Writer, bearer, engaged_writer, ok

API = "/api/v1"


def agency_site(*authors: WPUser) -> FakeWordPress:
    return FakeWordPress(
        users=[
            WPUser(1, WP_USER, "agency", "web@cl-consult.fr", "administrator", WP_PASSWORD),
            *authors,
        ]
    )


async def _wordpress_channel(
    http: httpx.AsyncClient, writer: Writer, **config: Any
) -> dict[str, Any]:
    return await ok(
        await http.post(
            f"{API}/clients/{writer.client_id}/channels",
            headers=bearer(writer.org.owner_token),
            json={
                "kind": "wordpress",
                "name": "Site",
                "config": {"site_url": WP_SITE, **config},
                "credentials": {"username": WP_USER, "application_password": WP_PASSWORD},
            },
        ),
        201,
    )


async def _post(http: httpx.AsyncClient, writer: Writer, channel_id: int) -> dict[str, Any]:
    return await ok(
        await http.post(
            f"{API}/posts",
            headers=bearer(writer.token),
            json={"client_id": writer.client_id, "channel_ids": [channel_id], "body": "Bonjour."},
        ),
        201,
    )


async def test_the_dispatcher_publishes_under_the_signers_wordpress_user(
    make_app: AppFactory,
) -> None:
    site = agency_site(
        WPUser(7, "mraoul", "Mauricette Raoul", "mauricette@cl-consult.fr", "author")
    )
    app = await make_app(http_transport=httpx.MockTransport(site))
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        writer = await engaged_writer(state, http)
        channel = await _wordpress_channel(http, writer)
        checked = await ok(
            await http.post(
                f"{API}/channels/{channel['id']}/check", headers=bearer(writer.org.owner_token)
            )
        )
        post = await _post(http, writer, channel["id"])
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"{API}/posts/{post['id']}", headers=bearer(writer.token)))
    assert checked["ok"] is True
    assert checked["detail"].splitlines() == [
        "signed in as agency (administrator)",
        "Mauricette Raoul: WordPress shows “Mauricette Raoul” (found by e-mail)",
    ]
    assert done["status"] == "published"
    (published,) = site.posts
    assert site.shown_author(published) == "Mauricette Raoul"


async def test_an_unmapped_author_is_held_until_an_owner_maps_a_user(make_app: AppFactory) -> None:
    site = agency_site(
        WPUser(9, "mr", "Mauricette Raoul", "m.raoul@boulangerie-corre.fr", "author")
    )
    app = await make_app(http_transport=httpx.MockTransport(site))
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        writer = await engaged_writer(state, http)
        owner = bearer(writer.org.owner_token)
        channel = await _wordpress_channel(http, writer)
        check = f"{API}/channels/{channel['id']}/check"
        before = await ok(await http.post(check, headers=owner))
        post = await _post(http, writer, channel["id"])
        await Dispatcher(state).tick()
        held = await ok(await http.get(f"{API}/posts/{post['id']}", headers=owner))
        assert site.posts == []  # nothing went out under "agency"

        config = {"site_url": WP_SITE, "author_ids": {str(writer.person_id): 9}}
        await ok(
            await http.patch(
                f"{API}/channels/{channel['id']}", headers=owner, json={"config": config}
            )
        )
        after = await ok(await http.post(check, headers=owner))
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"{API}/posts/{post['id']}", headers=owner))

    assert before["ok"] is False
    assert "Mauricette Raoul: WordPress would show “agency”" in before["detail"]
    (delivery,) = held["deliveries"]
    assert delivery["status"] == "held"
    assert (
        "WordPress would show “agency” as the author of Mauricette Raoul's post"
        in delivery["last_error"]
    )
    assert "author_ids" in delivery["last_error"]
    assert after["ok"] is True and after["released"] == 1
    assert (
        "Mauricette Raoul: WordPress shows “Mauricette Raoul” (mapped by hand)" in after["detail"]
    )
    assert done["status"] == "published"
    (published,) = site.posts
    assert published["author"] == 9
