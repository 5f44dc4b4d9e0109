"""A channel check's answer in the reader's language: what a connector names with a code is said
in French on a French page, with the account's name as the destination reported it; what it does
not name shows its own English."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from app.channels.wording import check_detail
from tests.conftest import AppFactory
from tests.connectors.fakes import WP_PASSWORD, WP_SITE, WP_USER, FakeWordPress
from tests.factories import bearer, ok, setup_org
from tests.helpers.web import browser, csrf_of, log_in
from tests.test_api_refusals import cheap_password_hashing

API = "/api/v1"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


def test_a_known_code_is_said_in_french_with_its_values_as_reported() -> None:
    params = {"account": "Mauricette « Mo » Raoul"}
    assert check_detail("wordpress.signed_in_as", params, "signed in as …", "fr") == (
        "connecté en tant que Mauricette « Mo » Raoul"
    )
    assert check_detail("wordpress.signed_in_as", params, "x", "en") == (
        "signed in as Mauricette « Mo » Raoul"
    )


def test_an_unknown_code_or_values_that_do_not_fit_show_the_connector_s_words() -> None:
    assert check_detail("acme.quota", {}, "quota left: 3", "fr") == "quota left: 3"
    assert check_detail(None, {}, "all good", "fr") == "all good"
    assert check_detail("facebook.page", {"name": "x"}, "page 123", "fr") == "page 123"


async def _checked(
    make_app: AppFactory, answer: Callable[[httpx.Request], httpx.Response]
) -> AsyncIterator[str]:
    app: FastAPI = await make_app(http_transport=httpx.MockTransport(answer))
    org = await setup_org(app.state.byline)
    owner = bearer(org.owner_token)
    async with browser(app) as web:
        client = await ok(
            await web.post(
                f"{API}/clients",
                headers=owner,
                json={"name": "Fromagerie Lamour", "timezone": "Europe/Paris", "locale": "fr"},
            ),
            201,
        )
        channel = await ok(
            await web.post(
                f"{API}/clients/{client['id']}/channels",
                headers=owner,
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
        web.cookies.set("lang", "fr")
        page = f"/app/clients/{client['id']}"
        checked = await web.post(
            f"/app/channels/{channel['id']}/check",
            data={"csrftoken": await csrf_of(web, page)},
        )
        assert checked.status_code == 200
        yield checked.text


async def test_a_french_page_says_whom_the_site_signed_in_in_french(
    make_app: AppFactory,
) -> None:
    async for text in _checked(make_app, FakeWordPress()):
        assert "connecté en tant que Mauricette Raoul" in text
        assert "signed in as" not in text


async def test_a_site_out_of_reach_is_told_in_french(make_app: AppFactory) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async for text in _checked(make_app, unreachable):
        assert "Il ne répond pas :" in text
        assert f"impossible de joindre {WP_SITE}" in text and "rien n&#39;a été envoyé" in text
        assert "could not reach" not in text
