"""A post goes out to a Facebook Page and a WordPress site through the real dispatcher, signed."""

import httpx

from app.dispatch.engine import Dispatcher
from tests.conftest import AppFactory
from tests.connectors.fakes import (
    PAGE_ID,
    PAGE_TOKEN,
    WP_PASSWORD,
    WP_SITE,
    WP_USER,
    FakePage,
    FakeWordPress,
)
from tests.factories import Writer, bearer, engaged_writer, ok


async def _channel(
    http: httpx.AsyncClient, writer: Writer, kind: str, config: dict, credentials: dict
) -> dict:
    return await ok(
        await http.post(
            f"/api/v1/clients/{writer.client_id}/channels",
            headers=bearer(writer.org.owner_token),
            json={"kind": kind, "name": kind, "config": config, "credentials": credentials},
        ),
        201,
    )


async def _post_now(
    http: httpx.AsyncClient, writer: Writer, channel_ids: list[int], **extra: str
) -> dict:
    return await ok(
        await http.post(
            "/api/v1/posts",
            headers=bearer(writer.token),
            json={"client_id": writer.client_id, "channel_ids": channel_ids, **extra},
        ),
        201,
    )


async def test_one_post_signed_on_facebook_and_wordpress(make_app: AppFactory) -> None:
    page, site = FakePage(), FakeWordPress()

    def destinations(request: httpx.Request) -> httpx.Response:
        return page(request) if request.url.host == "graph.facebook.com" else site(request)

    app = await make_app(http_transport=httpx.MockTransport(destinations))
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        writer = await engaged_writer(state, http)
        facebook = await _channel(
            http, writer, "facebook_page", {"page_id": PAGE_ID}, {"page_access_token": PAGE_TOKEN}
        )
        wordpress = await _channel(
            http,
            writer,
            "wordpress",
            {"site_url": WP_SITE},
            {"username": WP_USER, "application_password": WP_PASSWORD},
        )
        post = await _post_now(
            http,
            writer,
            [facebook["id"], wordpress["id"]],
            title="Galettes",
            body="Les galettes sont là.",
        )
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))

    assert done["status"] == "published", done["deliveries"]
    assert page.published == [
        "Les galettes sont là.\n\n— Mauricette Raoul, Community Manager · Boulangerie Corre\n"
        "Qui parle ? http://testserver/t/boulangerie-corre"
    ]
    [article] = site.published
    assert "Par" in article and "Mauricette Raoul" in article and "Community Manager" in article
    assert article.index("Mauricette Raoul") < article.index("Les galettes sont là.")
    urls = {d["channel_id"]: d["external_url"] for d in done["deliveries"]}
    assert urls[facebook["id"]].startswith(f"https://www.facebook.com/{PAGE_ID}/posts/")
    assert urls[wordpress["id"]].startswith(f"{WP_SITE}/?p=")


async def test_a_refused_token_holds_the_channel_until_it_is_reconnected(
    make_app: AppFactory,
) -> None:
    page = FakePage()
    app = await make_app(http_transport=httpx.MockTransport(page))
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        writer = await engaged_writer(state, http)
        owner = bearer(writer.org.owner_token)
        channel = await _channel(
            http,
            writer,
            "facebook_page",
            {"page_id": PAGE_ID},
            {"page_access_token": "an-expired-token"},
        )
        post = await _post_now(http, writer, [channel["id"]], body="Bonjour.")
        await Dispatcher(state).tick()
        held = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=owner))
        assert held["deliveries"][0]["status"] == "held"
        assert "reconnect" in held["deliveries"][0]["last_error"]
        listed = await ok(
            await http.get(f"/api/v1/clients/{writer.client_id}/channels", headers=owner)
        )
        assert {c["id"]: c["status"] for c in listed}[channel["id"]] == "needs_reauth"
        assert page.published == []

        failing = await ok(
            await http.post(f"/api/v1/channels/{channel['id']}/check", headers=owner)
        )
        assert failing["ok"] is False
        await ok(
            await http.patch(
                f"/api/v1/channels/{channel['id']}",
                headers=owner,
                json={"credentials": {"page_access_token": PAGE_TOKEN}},
            )
        )
        fixed = await ok(await http.post(f"/api/v1/channels/{channel['id']}/check", headers=owner))
        assert fixed["ok"] is True and "1 held deliveries released" in fixed["detail"]
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=owner))
    assert done["status"] == "published"
    assert page.published == [
        "Bonjour.\n\n— Mauricette Raoul, Community Manager · Boulangerie Corre\n"
        "Qui parle ? http://testserver/t/boulangerie-corre"
    ]


async def test_a_cms_check_does_not_put_a_held_channel_back_to_work(
    make_app: AppFactory,
) -> None:
    # Releasing what a channel held is the decision of those who may reconnect it.
    page = FakePage()
    app = await make_app(http_transport=httpx.MockTransport(page))
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        writer = await engaged_writer(state, http)
        owner = bearer(writer.org.owner_token)
        channel = await _channel(
            http,
            writer,
            "facebook_page",
            {"page_id": PAGE_ID},
            {"page_access_token": "an-expired-token"},
        )
        post = await _post_now(http, writer, [channel["id"]], body="Bonjour.")
        await Dispatcher(state).tick()
        check = f"/api/v1/channels/{channel['id']}/check"
        await ok(
            await http.patch(
                f"/api/v1/channels/{channel['id']}",
                headers=owner,
                json={"credentials": {"page_access_token": PAGE_TOKEN}},
            )
        )
        by_cm = await ok(await http.post(check, headers=bearer(writer.token)))
        assert (by_cm["ok"], by_cm["status"], by_cm["released"]) == (True, "needs_reauth", 0)
        assert "until an owner or a manager checks it" in by_cm["detail"]
        await Dispatcher(state).tick()
        still = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=owner))
        assert still["deliveries"][0]["status"] == "held" and page.published == []

        by_owner = await ok(await http.post(check, headers=owner))
        assert (by_owner["status"], by_owner["released"]) == ("active", 1)
        await Dispatcher(state).tick()
        done = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=owner))
    assert done["status"] == "published"
