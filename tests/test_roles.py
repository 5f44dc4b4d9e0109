"""Who may change whom (README, "Roles"): an owner acts on anyone, a manager on community
managers, everyone on their own profile except their signing name and role; only an owner gives
or changes a role, and the organisation always keeps an owner."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import bearer, ok
from tests.helpers.team import Member, Team, team
from tests.test_api_refusals import (
    API,
    case,
    cheap_password_hashing,
    get_json,
    http_for,
    post_json,
    refused,
)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_for(app) as http:
        yield http


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


async def person(http: httpx.AsyncClient, team: Team, member: Member) -> dict[str, Any]:
    found: dict[str, Any] = await get_json(http, f"/people/{member.id}", team.owner.token)
    return found


async def patch(
    http: httpx.AsyncClient, token: str, target: Member, payload: dict[str, Any]
) -> httpx.Response:
    return await http.patch(f"{API}/people/{target.id}", headers=bearer(token), json=payload)


async def withdraw(http: httpx.AsyncClient, token: str, target: Member) -> httpx.Response:
    path = f"/people/{target.id}/attest/withdraw"
    return await post_json(http, path, token, {"reason": "checking"})


# --------------------------------------------------------------------------- a manager


async def test_a_manager_cannot_rename_the_owner_or_withdraw_their_attestation(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    before = await person(api, t, t.owner)
    for label, response in (
        ("rename", await patch(api, t.manager.token, t.owner, {"full_name": "Aline Martin"})),
        ("role title", await patch(api, t.manager.token, t.owner, {"role_title": "Stagiaire"})),
        ("photo", await patch(api, t.manager.token, t.owner, {"photo_url": None})),
        ("withdraw", await withdraw(api, t.manager.token, t.owner)),
    ):
        with case(label):
            refused(response, 403, "owner_only", None, says="Ask an owner")
    assert await person(api, t, t.owner) == before
    assert before["attested"] is True


async def test_a_manager_cannot_change_another_manager_but_may_attest_them(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    before = await person(api, t, t.other_manager)
    for label, response in (
        ("rename", await patch(api, t.manager.token, t.other_manager, {"full_name": "B. Roux"})),
        ("role title", await patch(api, t.manager.token, t.other_manager, {"role_title": "CM"})),
        ("withdraw", await withdraw(api, t.manager.token, t.other_manager)),
    ):
        with case(label):
            refused(response, 403, "owner_only", None)
    assert await person(api, t, t.other_manager) == before
    # Vouching takes nothing from anyone: a manager attests a fellow manager's name.
    path = f"/people/{t.other_manager.id}/attest"
    attested = await ok(await post_json(api, path, t.manager.token, {"method": "id_document"}))
    assert attested["attested"] is True


async def test_a_manager_renames_a_cm_and_attests_the_new_name(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    renamed = await ok(await patch(api, t.manager.token, t.cm, {"full_name": "Mauricette Roux"}))
    assert (renamed["full_name"], renamed["attested"]) == ("Mauricette Roux", False)
    path = f"/people/{t.cm.id}/attest"
    attested = await ok(await post_json(api, path, t.manager.token, {"method": "id_document"}))
    assert attested["attested"] is True
    titled = await ok(await patch(api, t.manager.token, t.cm, {"role_title": "Rédactrice"}))
    assert titled["role_title"] == "Rédactrice"
    withdrawn = await ok(await withdraw(api, t.manager.token, t.cm))
    assert withdrawn["attested"] is False


# --------------------------------------------------------------------------- oneself


async def test_a_cm_changes_their_own_role_title_photo_and_short_name(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    changes = {
        "role_title": "Community Manager",
        "photo_url": "https://cl-consult.fr/team/mauricette.jpg",
        "short_name": "Mauricette",
        "locale": "en",
    }
    changed = await ok(await patch(api, t.cm.token, t.cm, changes))
    assert {key: changed[key] for key in changes} == changes
    assert changed["attested"] is True  # the attested name did not change


async def test_a_cm_cannot_change_their_own_name_or_role(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    before = await person(api, t, t.cm)
    rename = await patch(api, t.cm.token, t.cm, {"full_name": "Mauricette Roux"})
    refused(rename, 403, "rename_self", "full_name", says="Ask an owner or a manager")
    promote = await patch(api, t.cm.token, t.cm, {"role": "manager"})
    refused(promote, 403, "owner_only", "role")
    assert await person(api, t, t.cm) == before


async def test_nobody_renames_themselves(api: httpx.AsyncClient, state: AppState) -> None:
    t = await team(state, api)
    for label, member, name in (
        ("owner", t.owner, "Aline Martin"),
        ("manager", t.manager, "Didier Roux"),
    ):
        with case(label):
            response = await patch(api, member.token, member, {"full_name": name})
            refused(response, 403, "rename_self", "full_name")
            assert (await person(api, t, member))["attested"] is True
    # Sending one's name unchanged changes nothing, and is no refusal.
    same = await ok(await patch(api, t.manager.token, t.manager, {"full_name": "Didier Corre"}))
    assert same["attested"] is True


async def test_nobody_withdraws_their_own_attestation(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    for label, member in (("owner", t.owner), ("manager", t.manager)):
        with case(label):
            refused(await withdraw(api, member.token, member), 403, "withdraw_self")
            assert (await person(api, t, member))["attested"] is True


async def test_a_cm_cannot_change_another_member(api: httpx.AsyncClient, state: AppState) -> None:
    t = await team(state, api)
    before = await person(api, t, t.other_cm)
    response = await patch(api, t.cm.token, t.other_cm, {"role_title": "Stagiaire"})
    refused(response, 403, "not_yourself")
    refused(await withdraw(api, t.cm.token, t.other_cm), 403, "forbidden_role")
    assert await person(api, t, t.other_cm) == before


# --------------------------------------------------------------------------- roles


async def test_only_an_owner_changes_a_role(api: httpx.AsyncClient, state: AppState) -> None:
    t = await team(state, api)
    for label, target, role in (
        ("promote a CM", t.cm, "manager"),
        ("demote a manager", t.other_manager, "cm"),
        ("promote oneself", t.manager, "owner"),
    ):
        with case(label):
            response = await patch(api, t.manager.token, target, {"role": role})
            refused(response, 403, "owner_only", "role")
    assert [(await person(api, t, m))["role"] for m in (t.cm, t.other_manager, t.manager)] == [
        "cm",
        "manager",
        "manager",
    ]


async def test_a_new_role_counts_at_once_even_for_a_token_just_used(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    newcomer = {"email": "lucie@cl-consult.fr", "full_name": "Lucie Fontaine"}
    refused(await post_json(api, "/people", t.cm.token, newcomer), 403, "forbidden_role")
    promoted = await ok(await patch(api, t.owner.token, t.cm, {"role": "manager"}))
    assert promoted["role"] == "manager"
    await ok(await post_json(api, "/people", t.cm.token, newcomer), 201)

    await get_json(api, "/people/me", t.other_manager.token)  # the token is now known
    await ok(await patch(api, t.owner.token, t.other_manager, {"role": "cm"}))
    other = {"email": "paul@cl-consult.fr", "full_name": "Paul Lemaire"}
    refused(await post_json(api, "/people", t.other_manager.token, other), 403, "forbidden_role")


async def test_the_last_owner_cannot_step_down(api: httpx.AsyncClient, state: AppState) -> None:
    t = await team(state, api)
    response = await patch(api, t.owner.token, t.owner, {"role": "manager"})
    refused(response, 409, "last_owner", None, says="Aline Lamour is the organisation's last owner")
    assert (await person(api, t, t.owner))["role"] == "owner"
    # Once someone else is an owner, Aline may step down, and then changes roles no more.
    await ok(await patch(api, t.owner.token, t.manager, {"role": "owner"}))
    stepped = await ok(await patch(api, t.owner.token, t.owner, {"role": "manager"}))
    assert stepped["role"] == "manager"
    refused(await patch(api, t.owner.token, t.cm, {"role": "manager"}), 403, "owner_only", "role")


async def test_an_owner_who_is_leaving_does_not_count_as_the_one_kept(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    await ok(await patch(api, t.owner.token, t.manager, {"role": "owner"}))
    later = (state.clock() + timedelta(days=30)).isoformat()
    path = f"/people/{t.manager.id}/leave"
    await ok(await post_json(api, path, t.owner.token, {"effective_at": later}))
    # Didier leaves in a month: Aline is the owner who stays, so she neither steps down nor leaves.
    response = await patch(api, t.owner.token, t.owner, {"role": "cm"})
    refused(response, 409, "last_owner")
    leave = await post_json(api, f"/people/{t.owner.id}/leave", t.manager.token, {})
    refused(leave, 409, "last_owner", says="Aline Lamour")
    assert (await person(api, t, t.owner))["active"] is True


async def test_someone_who_left_gets_no_new_role(api: httpx.AsyncClient, state: AppState) -> None:
    t = await team(state, api)
    await ok(await post_json(api, f"/people/{t.cm.id}/leave", t.owner.token, {}))
    response = await patch(api, t.owner.token, t.cm, {"role": "manager"})
    refused(response, 409, "person_already_left")
