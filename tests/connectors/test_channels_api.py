"""Channels of the new kinds through the REST API: created with validated settings, secrets
encrypted and never returned, and checked through the connector with the app's HTTP client."""

import httpx
from sqlalchemy import select

from app.db import unit_of_work
from app.models import Channel
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.connectors.fakes import PAGE_ID, PAGE_TOKEN, WP_PASSWORD, FakePage
from tests.factories import bearer, ok, setup_org

API = "/api/v1"


async def _client_of_new_org(
    app_http: httpx.AsyncClient, state: AppState
) -> tuple[dict[str, str], int]:
    org = await setup_org(state)
    owner = bearer(org.owner_token)
    client = await ok(
        await app_http.post(
            f"{API}/clients",
            headers=owner,
            json={"name": "Boulangerie Corre", "timezone": "Europe/Paris", "locale": "fr"},
        ),
        201,
    )
    return owner, client["id"]


async def test_a_facebook_page_channel_is_created_and_never_shows_its_token(
    make_app: AppFactory,
) -> None:
    page = FakePage()
    app = await make_app(http_transport=httpx.MockTransport(page))
    state = app.state.byline
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        owner, client_id = await _client_of_new_org(http, state)
        created = await http.post(
            f"{API}/clients/{client_id}/channels",
            headers=owner,
            json={
                "kind": "facebook_page",
                "name": "Page Facebook",
                "config": {"page_id": PAGE_ID},
                "credentials": {"page_access_token": PAGE_TOKEN},
            },
        )
        channel = await ok(created, 201)
        listed = await http.get(f"{API}/clients/{client_id}/channels", headers=owner)
        checked = await ok(await http.post(f"{API}/channels/{channel['id']}/check", headers=owner))

    assert channel["kind"] == "facebook_page"
    assert channel["config"] == {"page_id": PAGE_ID}
    assert channel["has_credentials"] is True
    assert PAGE_TOKEN not in created.text and PAGE_TOKEN not in listed.text
    # The check went through the connector with the decrypted token, and published nothing.
    assert checked == {
        "ok": True,
        "detail": "page Boulangerie Corre: a Page access token with pages_manage_posts",
        "code": "facebook.page_token",
        "params": {"page": "Boulangerie Corre", "permission": "pages_manage_posts"},
        "lines": [],
        "status": "active",
        "released": 0,
    }
    assert page.published == []
    async with unit_of_work(state.session_factory) as session:
        stored = (
            await session.execute(select(Channel).where(Channel.id == channel["id"]))
        ).scalar_one()
    assert stored.credentials_encrypted and PAGE_TOKEN not in stored.credentials_encrypted


async def test_invalid_channel_settings_are_refused_with_their_part_named(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        owner, client_id = await _client_of_new_org(http, app.state.byline)
        attempts = [
            (
                "facebook_page",
                {"page_id": "boulangerie-corre"},
                {"page_access_token": PAGE_TOKEN},
                "config",
            ),
            ("facebook_page", {"page_id": PAGE_ID}, {}, "credentials"),
            (
                "wordpress",
                {"site_url": "http://blog.boulangerie-corre.fr"},
                {"username": "mauricette", "application_password": WP_PASSWORD},
                "config",
            ),
        ]
        for kind, config, credentials, part in attempts:
            response = await http.post(
                f"{API}/clients/{client_id}/channels",
                headers=owner,
                json={"kind": kind, "name": "X", "config": config, "credentials": credentials},
            )
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert (error["code"], error["field"]) == ("invalid_channel_config", part)
            assert kind in error["message"]
            assert PAGE_TOKEN not in response.text and WP_PASSWORD not in response.text
        remaining = await ok(await http.get(f"{API}/clients/{client_id}/channels", headers=owner))
    assert remaining == []
