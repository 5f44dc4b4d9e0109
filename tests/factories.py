"""Factories as plain functions: they build what tests need through the real API and services."""

from dataclasses import dataclass
from typing import Any

import httpx

from app.accounts import service as accounts
from app.accounts.actor import Actor, Role
from app.db import unit_of_work
from app.people import setup
from app.state import AppState


@dataclass
class Org:
    organisation_id: int
    owner_id: int
    owner_token: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def setup_org(
    state: AppState,
    *,
    name: str = "CL Consult",
    email: str = "aline@cl-consult.fr",
    full_name: str = "Aline Lamour",
    locale: str = "en",
) -> Org:
    """What `byline setup` + `byline tokens create` do, through the same services."""
    async with unit_of_work(state.session_factory) as session:
        result = await setup.setup_organisation(
            session,
            organisation_name=name,
            email=email,
            full_name=full_name,
            short_name=None,
            role_title="Fondatrice",
            password="correct horse battery",
            locale=locale,
            now=state.clock(),
        )
        actor = Actor(
            person_id=result.owner.id, organisation_id=result.organisation.id, role=Role.OWNER
        )
        _, token = await accounts.create_token(session, actor, "tests", now=state.clock())
    return Org(result.organisation.id, result.owner.id, token)


async def token_for(state: AppState, email: str) -> str:
    async with unit_of_work(state.session_factory) as session:
        return await accounts.create_token_for_email(session, email, "tests", now=state.clock())


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class Writer:
    """An attested CM engaged with a client that has a built-in blog."""

    org: Org
    person_id: int
    token: str
    client_id: int
    client_slug: str
    channel_id: int
    engagement_id: int


async def engaged_writer(
    state: AppState,
    http: httpx.AsyncClient,
    *,
    org: Org | None = None,
    full_name: str = "Mauricette Raoul",
    email: str = "mauricette@cl-consult.fr",
    client_name: str = "Boulangerie Corre",
    timezone: str = "Europe/Paris",
    attest: bool = True,
    accept: bool = True,
    password: str | None = None,
) -> Writer:
    org = org or await setup_org(state)
    owner = bearer(org.owner_token)
    person = await ok(
        await http.post(
            "/api/v1/people",
            headers=owner,
            json={
                "email": email,
                "full_name": full_name,
                "role": "cm",
                "role_title": "Community Manager",
                **({"password": password} if password else {}),
            },
        ),
        201,
    )
    if attest:
        await ok(
            await http.post(
                f"/api/v1/people/{person['id']}/attest",
                headers=owner,
                json={"method": "id_document"},
            )
        )
    token = await token_for(state, email)
    client = await ok(
        await http.post(
            "/api/v1/clients",
            headers=owner,
            json={"name": client_name, "timezone": timezone, "locale": "fr"},
        ),
        201,
    )
    engagement = await ok(
        await http.post(
            f"/api/v1/clients/{client['id']}/engagements",
            headers=owner,
            json={"person_id": person["id"]},
        ),
        201,
    )
    if accept:
        await ok(
            await http.post(f"/api/v1/engagements/{engagement['id']}/accept", headers=bearer(token))
        )
    channel = await ok(
        await http.post(
            f"/api/v1/clients/{client['id']}/channels",
            headers=owner,
            json={"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}},
        ),
        201,
    )
    return Writer(
        org, person["id"], token, client["id"], client["slug"], channel["id"], engagement["id"]
    )


async def write_post(http: httpx.AsyncClient, writer: Writer, **fields: Any) -> Any:
    """The writer's post on their client's blog (created through the API); `fields` override."""
    payload = {
        "client_id": writer.client_id,
        "channel_ids": [writer.channel_id],
        "title": "Bonjour",
        "body": "Premier billet.",
        **fields,
    }
    return await ok(
        await http.post("/api/v1/posts", headers=bearer(writer.token), json=payload), 201
    )
