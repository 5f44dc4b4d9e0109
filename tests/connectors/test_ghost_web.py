"""A Ghost site added from the client's page: its form asks for the site address and the Admin
API key, a refused key is named next to its field and never shown back, and an accepted one
makes a channel that its card names as a Ghost site."""

import httpx
from fastapi import FastAPI

from app.state import AppState
from tests.connectors.fake_ghost import GHOST_KEY, GHOST_SECRET, GHOST_SITE
from tests.factories import bearer, ok, setup_org
from tests.helpers.web import browser, csrf_of, log_in


async def test_a_ghost_site_is_added_from_the_clients_page(app: FastAPI, state: AppState) -> None:
    org = await setup_org(state)
    async with browser(app) as api, browser(app) as web:
        client = await ok(
            await api.post(
                "/api/v1/clients",
                headers=bearer(org.owner_token),
                json={"name": "Fromagerie Lamour", "timezone": "Europe/Paris", "locale": "fr"},
            ),
            201,
        )
        await log_in(web)
        page = f"/app/clients/{client['id']}"
        shown = await web.get(page)
        assert 'id="channel-ghost"' in shown.text and "Admin API key" in shown.text

        async def add(secret: str) -> httpx.Response:
            return await web.post(
                f"{page}/channels",
                data={
                    "csrftoken": await csrf_of(web, page),
                    "kind": "ghost",
                    "name": "Blog Ghost",
                    "site_url": GHOST_SITE,
                    "secret": secret,
                },
            )

        refused = await add("22444f78447824223cefc48062")
        added = await add(GHOST_KEY)
        listed = await web.get(page)
    assert refused.status_code == 422
    assert 'id="channel-ghost-credentials-error"' in refused.text
    assert "Content API key" in refused.text and "22444f78447824223cefc48062" not in refused.text
    assert f'value="{GHOST_SITE}"' in refused.text
    assert added.status_code == 303
    assert "Blog Ghost" in listed.text and "Ghost site" in listed.text
    assert GHOST_SECRET not in listed.text
