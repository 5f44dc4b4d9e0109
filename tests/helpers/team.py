"""An organisation with a member of each role, each with an API token (tests of who may do what)."""

from dataclasses import dataclass

import httpx

from app.state import AppState
from tests.factories import bearer, ok, setup_org, token_for


@dataclass
class Member:
    id: int
    token: str


@dataclass
class Team:
    """CL Consult: Aline Lamour (owner), Didier Corre and Bérangère Gautron (managers),
    Mauricette Raoul and Guy Couturier (CMs, role title "Rédaction"), every name attested by
    Aline."""

    owner: Member
    manager: Member
    other_manager: Member
    cm: Member
    other_cm: Member


async def team(state: AppState, http: httpx.AsyncClient) -> Team:
    org = await setup_org(state)
    owner = bearer(org.owner_token)
    members = []
    for full_name, email, role in (
        ("Didier Corre", "didier@cl-consult.fr", "manager"),
        ("Bérangère Gautron", "berangere@cl-consult.fr", "manager"),
        ("Mauricette Raoul", "mauricette@cl-consult.fr", "cm"),
        ("Guy Couturier", "guy@cl-consult.fr", "cm"),
    ):
        payload = {"email": email, "full_name": full_name, "role": role, "role_title": "Rédaction"}
        person = await ok(await http.post("/api/v1/people", headers=owner, json=payload), 201)
        attest = f"/api/v1/people/{person['id']}/attest"
        await ok(await http.post(attest, headers=owner, json={"method": "declared"}))
        members.append(Member(person["id"], await token_for(state, email)))
    return Team(Member(org.owner_id, org.owner_token), *members)
