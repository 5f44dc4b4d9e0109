"""Accounts as a new organisation meets them: logins on internal domains, its own language, and
validation messages a person can read."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import setup_org, token_for
from tests.test_api_refusals import cheap_password_hashing, http_for, post_json, refused

REPR = re.compile(r"<[A-Za-z_]+\.[A-Z_]+: ")


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


def person(email: str, **extra: object) -> dict[str, object]:
    return {"email": email, "full_name": "Mauricette Raoul", "role": "cm", **extra}


@pytest.mark.parametrize(
    "email",
    ["cm@agence.local", "ops@intranet", "mauricette@cl-consult.test", "guy@localhost"],
)
async def test_an_internal_address_is_a_login(
    api: httpx.AsyncClient, state: AppState, email: str
) -> None:
    org = await setup_org(state)
    created = await post_json(api, "/people", org.owner_token, person(email))
    assert created.status_code == 201, created.text
    assert created.json()["email"] == email


async def test_an_address_is_stored_in_lower_case(api: httpx.AsyncClient, state: AppState) -> None:
    org = await setup_org(state)
    created = await post_json(api, "/people", org.owner_token, person("Mauricette@CL-Consult.FR"))
    assert created.json()["email"] == "mauricette@cl-consult.fr"
    again = await post_json(api, "/people", org.owner_token, person("MAURICETTE@cl-consult.fr"))
    refused(again, 409, "email_taken", "email")


@pytest.mark.parametrize(
    "email", ["mauricette", "a@@b.fr", "mauricette raoul@agence.fr", "@agence.fr"]
)
async def test_a_malformed_address_is_refused_in_the_callers_language(
    api: httpx.AsyncClient, state: AppState, email: str
) -> None:
    org = await setup_org(state)
    english = await post_json(api, "/people", org.owner_token, person(email))
    refused(english, 422, "invalid_field", "email", says=("not an e-mail address", "name@domain"))
    french = await post_json(
        api, "/people", org.owner_token, person(email), **{"Accept-Language": "fr"}
    )
    refused(french, 422, "invalid_field", "email", says=("pas une adresse e-mail", "nom@domaine"))


async def test_setup_refuses_a_malformed_address(state: AppState) -> None:
    from app.errors import AppError

    with pytest.raises(AppError) as refusal:
        await setup_org(state, email="aline.cl-consult.fr")
    assert refusal.value.code == "invalid_field" and refusal.value.field == "email"
    assert "nom@domaine" in refusal.value.message("fr")


async def test_a_new_person_speaks_the_organisations_language(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state, locale="fr")
    inherited = await post_json(api, "/people", org.owner_token, person("m@agence.fr"))
    assert inherited.json()["locale"] == "fr"
    chosen = await post_json(
        api,
        "/people",
        org.owner_token,
        person("g@agence.fr", full_name="Guy Couturier", locale="en"),
    )
    assert chosen.json()["locale"] == "en"


async def test_a_new_person_in_an_english_organisation_speaks_english(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    created = await post_json(api, "/people", org.owner_token, person("m@agence.fr"))
    assert created.json()["locale"] == "en"


@pytest.mark.parametrize(
    ("path", "payload", "field", "english", "french"),
    [
        (
            "/people/1/attest",
            {"method": "passport"},
            "method",
            "use one of: “declared”, “id_document”, “directory”",
            "choisissez parmi : « declared », « id_document », « directory »",
        ),
        (
            "/people",
            person("x@agence.fr", role="boss"),
            "role",
            "use one of: “owner”, “manager”, “cm”",
            "choisissez parmi : « owner », « manager », « cm »",
        ),
        (
            "/people",
            person("x@agence.fr", locale="de"),
            "locale",
            # pydantic lists these two in no fixed order
            re.compile(r"use one of: “(en|fr)”, “(en|fr)”"),
            re.compile(r"choisissez parmi : « (en|fr) », « (en|fr) »"),
        ),
        (
            "/people",
            person("x@agence.fr", full_name=""),
            "full_name",
            "it must not be empty",
            "ce champ ne peut pas être vide",
        ),
        (
            "/people",
            person("x@agence.fr", photo_url="not a url"),
            "photo_url",
            "give a web address",
            "indiquez une adresse web",
        ),
        (
            "/people",
            person("x@agence.fr", confirm_name="perhaps"),
            "confirm_name",
            "give true or false",
            "indiquez true ou false",
        ),
    ],
)
async def test_validation_messages_say_what_to_send_without_python_reprs(
    api: httpx.AsyncClient,
    state: AppState,
    path: str,
    payload: dict[str, object],
    field: str,
    english: str | re.Pattern[str],
    french: str | re.Pattern[str],
) -> None:
    org = await setup_org(state)
    in_english = refused(
        await post_json(api, path, org.owner_token, payload), 422, "invalid_field", field
    )
    in_french = refused(
        await post_json(api, path, org.owner_token, payload, **{"Accept-Language": "fr"}),
        422,
        "invalid_field",
        field,
    )
    for expected, message in ((english, in_english["message"]), (french, in_french["message"])):
        if isinstance(expected, re.Pattern):
            assert expected.search(message), message
        else:
            assert expected in message, message
    for message in (in_english["message"], in_french["message"]):
        assert not REPR.search(message), message
    assert "Input should" not in in_french["message"]


async def test_an_address_is_found_however_it_is_spelled(
    api: httpx.AsyncClient, state: AppState
) -> None:
    org = await setup_org(state)
    created = await post_json(api, "/people", org.owner_token, person("Aline@xn--bcher-kva.fr"))
    assert created.json()["email"] == "aline@bücher.fr"
    for spelling in ("aline@xn--bcher-kva.fr", " ALINE@bücher.fr "):
        token = await token_for(state, spelling)
        me = await api.get("/api/v1/people/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["id"] == created.json()["id"], spelling


@pytest.mark.parametrize("email", ['"mauricette raoul"@agence.fr', "ops@[192.0.2.1]"])
async def test_quoted_names_and_address_literals_are_logins_too(
    api: httpx.AsyncClient, state: AppState, email: str
) -> None:
    org = await setup_org(state)
    created = await post_json(api, "/people", org.owner_token, person(email))
    assert created.status_code == 201, created.text
