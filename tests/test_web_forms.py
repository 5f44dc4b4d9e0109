"""Every form of the web app: a refusal re-renders the page with the message where it belongs,
in the reader's language, keeping what was typed; and no form works without its CSRF token."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import Org, bearer, ok, setup_org
from tests.helpers.web import PASSWORD, browser, csrf_of, log_in

API = "/api/v1"
CM_PASSWORD = "a long enough passphrase 7"


@pytest.fixture
async def org(state: AppState) -> Org:
    return await setup_org(state)


@pytest.fixture
async def owner(app: FastAPI, org: Org) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as web:
        await log_in(web)
        yield web


async def _person(client: httpx.AsyncClient, org: Org, full_name: str, email: str) -> int:
    person = await ok(
        await client.post(
            f"{API}/people",
            headers=bearer(org.owner_token),
            json={"email": email, "full_name": full_name, "role": "cm", "password": CM_PASSWORD},
        ),
        201,
    )
    return int(person["id"])


async def _add(web: httpx.AsyncClient, **fields: str) -> httpx.Response:
    form = {"full_name": "Mauricette Raoul", "email": "mauricette@cl-consult.fr", "role": "cm"}
    return await web.post(
        "/app/people", data={"csrftoken": await csrf_of(web, "/app/people"), **form, **fields}
    )


async def test_a_refused_name_is_told_next_to_the_field_and_the_form_keeps_what_was_typed(
    owner: httpx.AsyncClient,
) -> None:
    page = await _add(owner, full_name="Community Manager", role_title="Chargée de com")
    assert page.status_code == 422
    assert 'id="full_name-error"' in page.text and 'aria-invalid="true"' in page.text
    assert 'value="mauricette@cl-consult.fr"' in page.text
    assert 'value="Chargée de com"' in page.text
    people = (await owner.get("/app/people")).text
    assert "mauricette@cl-consult.fr" not in people


async def test_a_taken_address_is_told_in_french_on_a_french_page(
    owner: httpx.AsyncClient,
) -> None:
    owner.cookies.set("lang", "fr")
    await _add(owner)
    page = await _add(owner, full_name="Guy Couturier")
    assert page.status_code == 409
    assert 'id="email-error"' in page.text and "déjà utilisée" in page.text
    assert 'value="Guy Couturier"' in page.text


async def test_a_malformed_address_is_refused_inline(owner: httpx.AsyncClient) -> None:
    page = await _add(owner, email="not-an-address")
    assert page.status_code == 422 and 'id="email-error"' in page.text


async def test_a_review_name_needs_the_explicit_confirmation_to_be_attested(
    app: FastAPI, org: Org, owner: httpx.AsyncClient
) -> None:
    async with browser(app) as api:
        person_id = await _person(api, org, "Jean Dupont", "jean.dupont@cl-consult.fr")
    form = {"csrftoken": await csrf_of(owner, "/app/people"), "method": "id_document"}
    refused = await owner.post(f"/app/people/{person_id}/attest", data=form)
    assert refused.status_code == 422
    assert f'id="confirm-{person_id}-error"' in refused.text
    assert "not attested" in refused.text
    confirmed = await owner.post(
        f"/app/people/{person_id}/attest", data={**form, "confirm": "1"}, follow_redirects=True
    )
    assert confirmed.status_code == 200 and "Attested: this name can now sign" in confirmed.text


async def test_attesting_yourself_is_refused_on_your_card(
    org: Org, owner: httpx.AsyncClient
) -> None:
    page = await owner.post(
        f"/app/people/{org.owner_id}/attest",
        data={"csrftoken": await csrf_of(owner, "/app/people"), "method": "declared"},
    )
    assert page.status_code == 403 and "Nobody can vouch for their own name" in page.text


async def test_a_withdrawal_needs_a_reason(
    app: FastAPI, org: Org, owner: httpx.AsyncClient
) -> None:
    async with browser(app) as api:
        person_id = await _person(api, org, "Mauricette Raoul", "mauricette@cl-consult.fr")
    form = {"csrftoken": await csrf_of(owner, "/app/people")}
    await owner.post(f"/app/people/{person_id}/attest", data={**form, "method": "declared"})
    page = await owner.post(f"/app/people/{person_id}/withdraw", data={**form, "reason": " "})
    assert page.status_code == 422 and "reason" in page.text
    assert "name attested" in page.text  # still attested


async def test_a_cm_is_refused_the_people_page_with_her_navigation_kept(
    app: FastAPI, org: Org
) -> None:
    async with browser(app) as web:
        await _person(web, org, "Mauricette Raoul", "mauricette@cl-consult.fr")
        await log_in(web, "mauricette@cl-consult.fr", CM_PASSWORD)
        page = await web.get("/app/people")
    assert page.status_code == 403
    assert 'aria-label="Sections"' in page.text and 'href="/app"' in page.text


async def test_a_profile_refusal_keeps_what_was_typed(owner: httpx.AsyncClient) -> None:
    page = await owner.post(
        "/app/profile",
        data={
            "csrftoken": await csrf_of(owner, "/app/profile"),
            "short_name": "Aline",
            "role_title": "Fondatrice",
            "photo_url": "not a url",
            "locale": "fr",
        },
    )
    assert page.status_code == 422
    assert 'id="photo_url-error"' in page.text and 'value="not a url"' in page.text
    assert 'value="Aline"' in page.text


async def test_a_saved_profile_speaks_its_language(owner: httpx.AsyncClient) -> None:
    saved = await owner.post(
        "/app/profile",
        data={
            "csrftoken": await csrf_of(owner, "/app/profile"),
            "short_name": "Aline",
            "role_title": "",
            "photo_url": "",
            "locale": "fr",
        },
        follow_redirects=True,
    )
    assert "Votre profil est enregistré." in saved.text
    assert "Bonjour, Aline" in (await owner.get("/app")).text


async def test_a_wrong_current_password_changes_nothing(
    app: FastAPI, owner: httpx.AsyncClient
) -> None:
    page = await owner.post(
        "/app/profile/password",
        data={
            "csrftoken": await csrf_of(owner, "/app/profile"),
            "current_password": "not it at all",
            "new_password": "a brand new passphrase",
        },
    )
    assert page.status_code == 422 and 'id="current_password-error"' in page.text
    async with browser(app) as other:
        assert (await log_in(other, password=PASSWORD)).status_code == 303


async def test_a_new_password_keeps_this_browser_signed_in(
    app: FastAPI, owner: httpx.AsyncClient
) -> None:
    changed = await owner.post(
        "/app/profile/password",
        data={
            "csrftoken": await csrf_of(owner, "/app/profile"),
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
        },
        follow_redirects=True,
    )
    assert "Your password is changed" in changed.text
    assert (await owner.get("/app")).status_code == 200
    async with browser(app) as other:
        assert (await log_in(other, password="a brand new passphrase")).status_code == 303


async def test_answering_a_proposal_twice_is_refused_on_the_home_page(
    app: FastAPI, org: Org
) -> None:
    async with browser(app) as web:
        person_id = await _person(web, org, "Mauricette Raoul", "mauricette@cl-consult.fr")
        client = await ok(
            await web.post(
                f"{API}/clients",
                headers=bearer(org.owner_token),
                json={"name": "Fromagerie Lamour", "timezone": "Europe/Paris", "locale": "fr"},
            ),
            201,
        )
        engagement = await ok(
            await web.post(
                f"{API}/clients/{client['id']}/engagements",
                headers=bearer(org.owner_token),
                json={"person_id": person_id},
            ),
            201,
        )
        await log_in(web, "mauricette@cl-consult.fr", CM_PASSWORD)
        home = await web.get("/app")
        assert "Fromagerie Lamour" in home.text and "Clients proposed to you" in home.text
        token = await csrf_of(web, "/app")
        declined = await web.post(
            f"/app/engagements/{engagement['id']}/decline",
            data={"csrftoken": token, "reason": "Pas mes valeurs"},
            follow_redirects=True,
        )
        assert "Your answer was sent." in declined.text
        again = await web.post(
            f"/app/engagements/{engagement['id']}/accept", data={"csrftoken": token}
        )
    assert again.status_code == 409
    assert 'class="error" role="alert"' in again.text and "no longer be accepted" in again.text


@pytest.mark.parametrize(
    "action",
    [
        "/app/people",
        "/app/people/1/attest",
        "/app/people/1/withdraw",
        "/app/profile",
        "/app/profile/password",
        "/app/client",
        "/app/engagements/1/accept",
        "/app/engagements/1/decline",
        "/app/handovers/1/accept",
        "/app/handovers/1/decline",
    ],
)
async def test_every_form_needs_its_csrf_token(owner: httpx.AsyncClient, action: str) -> None:
    refused = await owner.post(action, data={"reason": "x", "full_name": "Guy Couturier"})
    assert refused.status_code == 403 and "csrf_failed" in refused.text
