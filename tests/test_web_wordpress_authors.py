"""On a client's page, an owner sees which name WordPress shows for each author when checking a
WordPress channel, and maps an author to a WordPress user (or accepts the account's name)."""

import html
import re

import httpx

from app.dispatch.engine import Dispatcher
from tests.conftest import AppFactory
from tests.connectors.fakes import WP_PASSWORD, WP_SITE, WP_USER, FakeWordPress, WPUser
from tests.factories import bearer, engaged_writer, ok, setup_org
from tests.helpers.web import browser, csrf_of, log_in

API = "/api/v1"


async def test_an_owner_maps_an_author_and_the_check_shows_the_name_wordpress_shows(
    make_app: AppFactory,
) -> None:
    site = FakeWordPress(
        users=[
            WPUser(1, WP_USER, "agency", "web@cl-consult.fr", "administrator", WP_PASSWORD),
            WPUser(9, "mr", "Mauricette Raoul", "m.raoul@boulangerie-corre.fr", "author"),
        ]
    )
    app = await make_app(http_transport=httpx.MockTransport(site))
    state = app.state.byline
    async with browser(app) as api, browser(app) as web:
        org = await setup_org(state)
        writer = await engaged_writer(state, api, org=org)
        channel = await ok(
            await api.post(
                f"{API}/clients/{writer.client_id}/channels",
                headers=bearer(org.owner_token),
                json={
                    "kind": "wordpress",
                    "name": "Site",
                    "config": {"site_url": WP_SITE},
                    "credentials": {"username": WP_USER, "application_password": WP_PASSWORD},
                },
            ),
            201,
        )
        await log_in(web)
        page = f"/app/clients/{writer.client_id}"
        check = f"/app/channels/{channel['id']}/check"
        authors = f"/app/channels/{channel['id']}/authors"
        field = f"author_{writer.person_id}"

        before = await web.post(check, data={"csrftoken": await csrf_of(web, page)})
        post = await ok(
            await api.post(
                f"{API}/posts",
                headers=bearer(writer.token),
                json={
                    "client_id": writer.client_id,
                    "channel_ids": [channel["id"]],
                    "body": "Bonjour.",
                },
            ),
            201,
        )
        await Dispatcher(state).tick()
        held = await web.get(f"/app/posts/{post['id']}")
        refused = await web.post(
            authors, data={"csrftoken": await csrf_of(web, page), field: "mauricette"}
        )
        saved = await web.post(authors, data={"csrftoken": await csrf_of(web, page), field: "9"})
        after = await web.post(check, data={"csrftoken": await csrf_of(web, page)})
        shown = await web.get(page)

    assert before.status_code == 200
    text = html.unescape(before.text)
    assert "It answers, but posts cannot all go out as they should:" in text
    assert "<li>signed in as agency (administrator)</li>" in text
    assert "<li>Mauricette Raoul: WordPress would show “agency”, because no WordPress user" in text
    assert "Held: the channel would not show its author&#39;s name as it should." in held.text
    assert site.posts == []
    assert refused.status_code == 422
    assert re.search(rf'id="authors-{channel["id"]}-config-error"', refused.text)
    assert f'name="{field}" maxlength="20" value="mauricette"' in refused.text
    assert saved.status_code == 303 and "done=authors" in saved.headers["location"]
    assert "It answers: posts can go out on it." in after.text
    assert "Mauricette Raoul: WordPress shows “Mauricette Raoul” (mapped by hand)" in html.unescape(
        after.text
    )
    assert f'name="{field}" maxlength="20" value="9"' in shown.text
