"""The forms of the client, channel, engagement, handover and departure pages: a refusal re-renders
the page with the message next to the form it refuses, in the reader's language, keeping what
was typed (never a credential); what they accept shows where the people concerned look; and no
form works without its CSRF token."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import Org, bearer, ok, setup_org
from tests.helpers.web import browser, csrf_of, log_in

API = "/api/v1"
CM_PASSWORD = "a long enough passphrase 7"


@pytest.fixture
async def org(state: AppState) -> Org:
    return await setup_org(state)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as http:
        yield http


@pytest.fixture
async def owner(app: FastAPI, org: Org) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as web:
        await log_in(web)
        yield web


async def _member(api: httpx.AsyncClient, org: Org, full_name: str, email: str) -> int:
    """An attested CM who can log in with CM_PASSWORD."""
    owner = bearer(org.owner_token)
    payload = {"email": email, "full_name": full_name, "role": "cm", "password": CM_PASSWORD}
    person = await ok(await api.post(f"{API}/people", headers=owner, json=payload), 201)
    await ok(
        await api.post(
            f"{API}/people/{person['id']}/attest", headers=owner, json={"method": "declared"}
        )
    )
    return int(person["id"])


async def _client(api: httpx.AsyncClient, org: Org, *, blog: bool = True) -> int:
    owner = bearer(org.owner_token)
    client = await ok(
        await api.post(
            f"{API}/clients",
            headers=owner,
            json={"name": "Fromagerie Lamour", "timezone": "Europe/Paris", "locale": "fr"},
        ),
        201,
    )
    if blog:
        await ok(
            await api.post(
                f"{API}/clients/{client['id']}/channels",
                headers=owner,
                json={"kind": "local_blog", "name": "Blog"},
            ),
            201,
        )
    return int(client["id"])


async def _engaged(app: FastAPI, api: httpx.AsyncClient, org: Org, client_id: int) -> int:
    """Mauricette, attested, who accepted the client."""
    person_id = await _member(api, org, "Mauricette Raoul", "mauricette@cl-consult.fr")
    engagement = await ok(
        await api.post(
            f"{API}/clients/{client_id}/engagements",
            headers=bearer(org.owner_token),
            json={"person_id": person_id},
        ),
        201,
    )
    async with browser(app) as web:
        await log_in(web, "mauricette@cl-consult.fr", CM_PASSWORD)
        await web.post(
            f"/app/engagements/{engagement['id']}/accept",
            data={"csrftoken": await csrf_of(web, "/app")},
        )
    return person_id


async def _post(web: httpx.AsyncClient, page: str, action: str, **form: str) -> httpx.Response:
    return await web.post(action, data={"csrftoken": await csrf_of(web, page), **form})


def _local(state: AppState, days: int) -> str:
    """A local time in Paris, `days` from the app's now, as a datetime-local field sends it."""
    return (state.clock() + timedelta(days=days)).strftime("%Y-%m-%dT09:00")


# -- clients -------------------------------------------------------------------------------


async def test_a_client_in_an_unknown_zone_is_refused_next_to_the_zone(
    owner: httpx.AsyncClient,
) -> None:
    page = await _post(
        owner,
        "/app/clients",
        "/app/clients",
        name="Fromagerie Lamour",
        timezone="Paris",
        locale="fr",
        publish_deadline_minutes="90",
    )
    assert page.status_code == 422
    assert 'id="timezone-error"' in page.text and "is not a time zone name" in page.text
    assert 'value="Fromagerie Lamour"' in page.text and 'value="90"' in page.text


async def test_a_new_client_opens_its_page(owner: httpx.AsyncClient) -> None:
    created = await _post(
        owner,
        "/app/clients",
        "/app/clients",
        name="Fromagerie Lamour",
        timezone="Europe/Paris",
        locale="fr",
    )
    assert created.status_code == 303
    page = await owner.get(created.headers["location"])
    assert "Client added." in page.text and "Europe/Paris" in page.text
    assert "Fromagerie Lamour" in (await owner.get("/app/clients")).text


async def test_a_signature_lead_in_with_braces_is_refused_in_french_keeping_the_rest(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    owner.cookies.set("lang", "fr")
    page = await _post(
        owner,
        f"/app/clients/{client_id}",
        f"/app/clients/{client_id}",
        name="Fromagerie Lamour",
        timezone="Europe/Paris",
        locale="fr",
        signature_intro="{Votre CM}",
        publish_deadline_minutes="",
        handover_wording="",
    )
    assert page.status_code == 422
    assert 'id="settings-signature_intro-error"' in page.text
    assert "Rien n&#39;a été enregistré" in page.text and 'value="{Votre CM}"' in page.text


async def test_a_publish_deadline_that_is_not_a_number_is_refused(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    page = await _post(
        owner,
        f"/app/clients/{client_id}",
        f"/app/clients/{client_id}",
        name="Fromagerie Lamour",
        timezone="Europe/Paris",
        locale="fr",
        publish_deadline_minutes="two hours",
    )
    assert page.status_code == 422
    assert 'id="settings-publish_deadline_minutes-error"' in page.text
    assert 'value="two hours"' in page.text


# -- channels ------------------------------------------------------------------------------


async def test_a_second_blog_is_refused_on_its_form(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org, blog=False)
    page = f"/app/clients/{client_id}"
    added = await _post(owner, page, f"{page}/channels", kind="local_blog", name="Blog")
    assert added.status_code == 303
    again = await _post(owner, page, f"{page}/channels", kind="local_blog", name="Blog 2")
    assert again.status_code == 409 and "each client has one blog" in again.text


async def test_a_wordpress_site_on_a_private_address_is_refused_and_its_password_not_shown(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    page = await _post(
        owner,
        f"/app/clients/{client_id}",
        f"/app/clients/{client_id}/channels",
        kind="wordpress",
        name="Site",
        site_url="http://127.0.0.1/",
        username="mauricette",
        secret="abcd efgh ijkl mnop",
    )
    assert page.status_code == 422
    assert 'id="channel-wordpress-config-error"' in page.text and "127.0.0.1" in page.text
    assert 'value="mauricette"' in page.text and "abcd efgh" not in page.text


async def test_a_facebook_page_without_a_numeric_id_is_refused(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    page = await _post(
        owner,
        f"/app/clients/{client_id}",
        f"/app/clients/{client_id}/channels",
        kind="facebook_page",
        name="Page Facebook",
        page_id="fromagerie",
        secret="EAAG-secret-token",
    )
    assert page.status_code == 422
    assert 'id="channel-facebook_page-config-error"' in page.text
    assert 'value="fromagerie"' in page.text and "EAAG-secret-token" not in page.text


async def test_checking_the_blog_says_it_answers(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    channels = await ok(
        await api.get(f"{API}/clients/{client_id}/channels", headers=bearer(org.owner_token))
    )
    page = f"/app/clients/{client_id}"
    checked = await _post(owner, page, f"/app/channels/{channels[0]['id']}/check")
    assert checked.status_code == 200 and "It answers: posts can go out on it." in checked.text


async def test_reconnecting_without_a_token_is_refused_and_nothing_changes(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    channel = await ok(
        await api.post(
            f"{API}/clients/{client_id}/channels",
            headers=bearer(org.owner_token),
            json={
                "kind": "facebook_page",
                "name": "Page Facebook",
                "config": {"page_id": "104729381234567"},
                "credentials": {"page_access_token": "EAAG-first"},
            },
        ),
        201,
    )
    page = f"/app/clients/{client_id}"
    refused = await _post(owner, page, f"/app/channels/{channel['id']}/reconnect", secret="")
    assert refused.status_code == 422
    assert f'id="reconnect-{channel["id"]}-credentials-error"' in refused.text
    saved = await _post(
        owner, page, f"/app/channels/{channel['id']}/reconnect", secret="EAAG-second"
    )
    assert saved.status_code == 303
    assert "EAAG" not in (await owner.get(saved.headers["location"])).text


# -- engagements ---------------------------------------------------------------------------


async def test_a_proposal_shows_on_the_persons_home_and_in_the_clients_history(
    app: FastAPI, api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    person_id = await _member(api, org, "Mauricette Raoul", "mauricette@cl-consult.fr")
    page = f"/app/clients/{client_id}"
    proposed = await _post(owner, page, f"{page}/engagements", person_id=str(person_id))
    assert proposed.status_code == 303
    history = (await owner.get(page)).text
    assert re.search(r"Mauricette Raoul</strong> · proposed", history)
    async with browser(app) as cm:
        await log_in(cm, "mauricette@cl-consult.fr", CM_PASSWORD)
        assert "Fromagerie Lamour" in (await cm.get("/app")).text
        assert "Mauricette Raoul</strong> · proposed" in (await cm.get(page)).text


async def test_proposing_twice_is_refused_on_the_proposal_form(
    api: httpx.AsyncClient, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    person_id = await _member(api, org, "Mauricette Raoul", "mauricette@cl-consult.fr")
    page = f"/app/clients/{client_id}"
    await _post(owner, page, f"{page}/engagements", person_id=str(person_id))
    again = await _post(owner, page, f"{page}/engagements", person_id=str(person_id))
    assert again.status_code == 409
    assert 'id="propose-person_id-error"' in again.text and "already has an open" in again.text


async def test_a_cm_cannot_propose_a_client(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org
) -> None:
    client_id = await _client(api, org)
    await _engaged(app, api, org, client_id)
    async with browser(app) as cm:
        await log_in(cm, "mauricette@cl-consult.fr", CM_PASSWORD)
        page = f"/app/clients/{client_id}"
        refused = await _post(cm, page, f"{page}/engagements", person_id=str(org.owner_id))
    assert refused.status_code == 403 and 'class="error" role="alert"' in refused.text


# -- handovers -----------------------------------------------------------------------------


async def _scheduled(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> tuple[int, int]:
    """(client id, handover id): Mauricette hands Fromagerie Lamour over to Guy in a week."""
    client_id = await _client(api, org)
    outgoing = await _engaged(app, api, org, client_id)
    incoming = await _member(api, org, "Guy Couturier", "guy@cl-consult.fr")
    page = f"/app/clients/{client_id}"
    scheduled = await _post(
        owner,
        page,
        f"{page}/handovers",
        outgoing_person_id=str(outgoing),
        incoming_person_id=str(incoming),
        effective_at=_local(state, 7),
        note="Mauricette part à Lyon",
    )
    assert scheduled.status_code == 303, scheduled.text
    return client_id, int(scheduled.headers["location"].split("/")[-1].split("?")[0])


async def test_a_handover_in_the_past_is_refused_keeping_what_was_typed(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    outgoing = await _engaged(app, api, org, client_id)
    incoming = await _member(api, org, "Guy Couturier", "guy@cl-consult.fr")
    page = f"/app/clients/{client_id}"
    refused = await _post(
        owner,
        page,
        f"{page}/handovers",
        outgoing_person_id=str(outgoing),
        incoming_person_id=str(incoming),
        effective_at=_local(state, -3),
        note="Trop tard",
    )
    assert refused.status_code == 422
    assert 'id="handover-effective_at-error"' in refused.text and "Trop tard" in refused.text
    assert "time in Europe/Paris, the client&#39;s zone" in refused.text


async def test_a_handover_to_the_same_person_is_refused(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    outgoing = await _engaged(app, api, org, client_id)
    page = f"/app/clients/{client_id}"
    refused = await _post(
        owner,
        page,
        f"{page}/handovers",
        outgoing_person_id=str(outgoing),
        incoming_person_id=str(outgoing),
        effective_at=_local(state, 7),
    )
    assert refused.status_code == 422 and 'id="handover-incoming_person_id-error"' in refused.text


async def test_the_incoming_person_previews_an_edited_announcement_and_accepts_it(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    _, handover_id = await _scheduled(app, api, state, org, owner)
    assert "Fromagerie Lamour" in (await owner.get("/app/handovers")).text
    page = f"/app/handovers/{handover_id}"
    async with browser(app) as guy:
        await log_in(guy, "guy@cl-consult.fr", CM_PASSWORD)
        detail = (await guy.get(page)).text
        assert "As each channel will show it" in detail and "Guy Couturier" in detail
        previewed = await _post(
            guy, page, f"{page}/announcement", title="Bonjour", body="Je reprends.", do="preview"
        )
        assert previewed.status_code == 200
        assert re.search(r'class="announcement">Je reprends\.', previewed.text)
        empty = await _post(
            guy, page, f"{page}/announcement", title="Bonjour", body=" ", do="accept"
        )
        assert empty.status_code == 422 and 'id="body-error"' in empty.text
        accepted = await _post(
            guy, page, f"{page}/announcement", title="Bonjour", body="Je reprends.", do="accept"
        )
        assert accepted.status_code == 303
        done = (await guy.get(accepted.headers["location"])).text
    assert "Handover accepted" in done and "Accepted by Guy Couturier" in done


async def test_only_the_incoming_person_accepts(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    _, handover_id = await _scheduled(app, api, state, org, owner)
    page = f"/app/handovers/{handover_id}"
    refused = await _post(owner, page, f"{page}/announcement", body="Moi", do="accept")
    assert refused.status_code == 403 and "Only Guy Couturier" in refused.text


async def test_a_cancelled_handover_cannot_be_cancelled_again(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    _, handover_id = await _scheduled(app, api, state, org, owner)
    page = f"/app/handovers/{handover_id}"
    cancelled = await _post(owner, page, f"{page}/cancel")
    assert cancelled.status_code == 303
    assert "Handover cancelled" in (await owner.get(cancelled.headers["location"])).text
    token = await csrf_of(owner, "/app/handovers")
    again = await owner.post(f"{page}/cancel", data={"csrftoken": token})
    assert again.status_code == 409 and 'class="error" role="alert"' in again.text


# -- leaving -------------------------------------------------------------------------------


async def test_leaving_with_a_successor_proposes_the_handover(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    leaving = await _engaged(app, api, org, client_id)
    successor = await _member(api, org, "Guy Couturier", "guy@cl-consult.fr")
    page = f"/app/people/{leaving}/leave"
    form = await owner.get(page)
    assert "Fromagerie Lamour" in form.text and "time in Europe/Paris" in form.text
    left = await _post(
        owner,
        page,
        page,
        effective_at=_local(state, 5),
        zone="Europe/Paris",
        **{f"successor-{client_id}": str(successor)},
    )
    assert left.status_code == 303
    assert "Marked as leaving" in (await owner.get(left.headers["location"])).text
    async with browser(app) as guy:
        await log_in(guy, "guy@cl-consult.fr", CM_PASSWORD)
        assert "Fromagerie Lamour" in (await guy.get("/app")).text


async def test_leaving_with_oneself_as_successor_is_refused_at_that_client(
    app: FastAPI, api: httpx.AsyncClient, state: AppState, org: Org, owner: httpx.AsyncClient
) -> None:
    client_id = await _client(api, org)
    leaving = await _engaged(app, api, org, client_id)
    page = f"/app/people/{leaving}/leave"
    refused = await _post(
        owner,
        page,
        page,
        effective_at=_local(state, 5),
        zone="Europe/Paris",
        **{f"successor-{client_id}": str(leaving)},
    )
    assert refused.status_code == 422
    assert f'id="successor-{client_id}-error"' in refused.text
    assert 'value="' + _local(state, 5) + '"' in refused.text


@pytest.mark.parametrize(
    "action",
    [
        "/app/clients",
        "/app/clients/1",
        "/app/clients/1/channels",
        "/app/clients/1/engagements",
        "/app/clients/1/handovers",
        "/app/channels/1/check",
        "/app/channels/1/reconnect",
        "/app/handovers/1/announcement",
        "/app/handovers/1/cancel",
        "/app/handovers/1/farewell",
        "/app/handovers/1/posts/1/take-over",
        "/app/people/1/leave",
    ],
)
async def test_every_client_form_needs_its_csrf_token(
    owner: httpx.AsyncClient, action: str
) -> None:
    refused = await owner.post(action, data={"name": "x", "body": "x"})
    assert refused.status_code == 403 and "csrf_failed" in refused.text
