"""A channel check of several lines (the account, then one line per author) is said line by line
in the reader's language: a French client page checking a WordPress or a Ghost site shows no
English line, the API gives each line's code and values, and a line Byline has no words for
keeps the connector's English."""

import html
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.channels.wording import check_detail
from tests.conftest import AppFactory
from tests.connectors.fake_ghost import GHOST_KEY, GHOST_SITE, FakeGhost
from tests.connectors.fakes import WP_PASSWORD, WP_SITE, WP_USER, FakeWordPress, WPUser
from tests.factories import bearer, engaged_writer, ok, token_for
from tests.helpers.web import browser, csrf_of, log_in
from tests.test_api_refusals import cheap_password_hashing

API = "/api/v1"
WORDPRESS = {
    "kind": "wordpress",
    "name": "Site",
    "config": {"site_url": WP_SITE},
    "credentials": {"username": WP_USER, "application_password": WP_PASSWORD},
}
GHOST = {
    "kind": "ghost",
    "name": "Blog Ghost",
    "config": {"site_url": GHOST_SITE},
    "credentials": {"admin_api_key": GHOST_KEY},
}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


async def _check(
    make_app: AppFactory, site: Callable[[httpx.Request], httpx.Response], channel: dict[str, Any]
) -> tuple[str, Any]:
    """The French client page after checking `channel`, whose client has two authors
    (Mauricette Raoul, mauricette@cl-consult.fr; Jean Morel, whom no site knows); and the API's
    answer to the same check."""
    app = await make_app(http_transport=httpx.MockTransport(site))
    state = app.state.byline
    async with browser(app) as api, browser(app) as web:
        writer = await engaged_writer(state, api)
        owner = bearer(writer.org.owner_token)
        person = await ok(
            await api.post(
                f"{API}/people",
                headers=owner,
                json={"email": "jean.morel@cl-consult.fr", "full_name": "Jean Morel", "role": "cm"},
            ),
            201,
        )
        await ok(
            await api.post(
                f"{API}/people/{person['id']}/attest",
                headers=owner,
                json={"method": "id_document"},
            )
        )
        engagement = await ok(
            await api.post(
                f"{API}/clients/{writer.client_id}/engagements",
                headers=owner,
                json={"person_id": person["id"]},
            ),
            201,
        )
        token = await token_for(state, "jean.morel@cl-consult.fr")
        await ok(
            await api.post(f"{API}/engagements/{engagement['id']}/accept", headers=bearer(token))
        )
        created = await ok(
            await api.post(
                f"{API}/clients/{writer.client_id}/channels", headers=owner, json=channel
            ),
            201,
        )
        await log_in(web)
        web.cookies.set("lang", "fr")
        page = f"/app/clients/{writer.client_id}"
        checked = await web.post(
            f"/app/channels/{created['id']}/check", data={"csrftoken": await csrf_of(web, page)}
        )
        answer = await ok(await api.post(f"{API}/channels/{created['id']}/check", headers=owner))
    assert checked.status_code == 200
    return html.unescape(checked.text), answer


async def test_a_wordpress_check_with_a_found_and_an_unknown_author_is_all_french(
    make_app: AppFactory,
) -> None:
    site = FakeWordPress(
        users=[
            WPUser(1, WP_USER, "agency", "web@cl-consult.fr", "administrator", WP_PASSWORD),
            WPUser(9, "mr", "Mauricette Raoul", "mauricette@cl-consult.fr", "author"),
        ]
    )
    text, _ = await _check(make_app, site, WORDPRESS)
    assert "<li>connecté en tant que agency (administrator)</li>" in text
    assert "<li>Mauricette Raoul : WordPress affiche « Mauricette Raoul » (trouvé par son" in text
    assert (
        "<li>Jean Morel : WordPress afficherait « agency », car aucun utilisateur WordPress n’a "
        "l’adresse e-mail jean.morel@cl-consult.fr. Pour corriger : associez Jean Morel" in text
    )
    for english in ("signed in as", "WordPress shows", "would show", "because", "To fix"):
        assert english not in text


async def test_a_wordpress_account_that_cannot_publish_is_told_in_french(
    make_app: AppFactory,
) -> None:
    site = FakeWordPress(
        users=[WPUser(1, WP_USER, "agency", "web@cl-consult.fr", "contributor", WP_PASSWORD)]
    )
    text, _ = await _check(make_app, site, WORDPRESS)
    assert "<li>agency ne peut pas publier d’articles (capacité publish_posts de WordPress)" in text
    assert "cannot publish" not in text and "would show" not in text


async def test_a_ghost_check_with_a_staff_user_and_an_unknown_author_is_all_french(
    make_app: AppFactory,
) -> None:
    text, _ = await _check(make_app, FakeGhost(), GHOST)
    assert "<li>site Le blog de la Boulangerie : la clé de l’API Admin fonctionne</li>" in text
    assert "<li>Mauricette Raoul signe en tant qu’utilisateur Ghost Mauricette Raoul</li>" in text
    assert "<li>Jean Morel (personne " in text
    assert "n’a pas d’utilisateur dans l’équipe Ghost : Ghost afficherait Aline Lamour" in text
    for english in ("Admin API key works", "signs as", "has no Ghost staff user", "would show"):
        assert english not in text


async def test_the_api_gives_each_line_its_english_code_and_values(make_app: AppFactory) -> None:
    _, answer = await _check(make_app, FakeGhost(), GHOST)
    assert answer["ok"] is False
    assert [line["code"] for line in answer["lines"]] == [
        "ghost.key_works",
        "ghost.author_user",
        "ghost.author_unmapped",
    ]
    assert answer["lines"][1]["params"] == {
        "person": "Mauricette Raoul",
        "user": "Mauricette Raoul",
    }
    assert answer["lines"][0]["detail"] == "site Le blog de la Boulangerie: the Admin API key works"
    assert answer["detail"].startswith(answer["lines"][0]["detail"] + "; ")


def test_a_line_byline_has_no_words_for_keeps_the_connector_s_english() -> None:
    assert check_detail("acme.quota_line", {}, "quota left: 3", "fr") == "quota left: 3"
    assert check_detail("ghost.author_user", {"person": "X"}, "X signs as Ghost user Y", "fr") == (
        "X signs as Ghost user Y"
    )


async def test_a_wrong_application_password_is_told_in_french(make_app: AppFactory) -> None:
    site = FakeWordPress(
        users=[WPUser(1, WP_USER, "agency", "web@cl-consult.fr", "administrator", "revoked")]
    )
    text, answer = await _check(make_app, site, WORDPRESS)
    assert "Il ne répond pas : WordPress a refusé le compte : le mot de passe d’application" in text
    assert "(HTTP 401 (incorrect_password))" in text and "refused the account" not in text
    assert answer["code"] == "wordpress.refused.incorrect_password"


async def test_a_regenerated_ghost_key_is_told_in_french(make_app: AppFactory) -> None:
    site = FakeGhost(keys={})  # the integration's key was regenerated: Ghost knows it no more
    text, answer = await _check(make_app, site, GHOST)
    assert "Il ne répond pas : Ghost a refusé la clé de l’API Admin : il ne la connaît pas" in text
    assert "[HTTP 401 (UNKNOWN_ADMIN_API_KEY)]" in text and "does not know" not in text
    assert answer["code"] == "ghost.key_refused.UNKNOWN_ADMIN_API_KEY"
