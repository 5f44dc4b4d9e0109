"""GET /people/{id}/history: what every signature of a person shows (name, role title, photo)
and whether they may sign (attestation, role, departure), as it changed, newest first."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.state import AppState
from tests.factories import bearer, ok
from tests.helpers.team import Member, Team, team
from tests.test_api_refusals import (
    API,
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


async def history(
    http: httpx.AsyncClient, token: str, member: Member, **params: Any
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await get_json(
        http, f"/people/{member.id}/history", token, **params
    )
    return found


async def change(http: httpx.AsyncClient, token: str, member: Member, **fields: Any) -> None:
    await ok(await http.patch(f"{API}/people/{member.id}", headers=bearer(token), json=fields))


async def test_a_new_role_title_and_photo_show_with_their_old_values(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    photo = "https://cl-consult.fr/team/mauricette.jpg"
    await change(api, t.cm.token, t.cm, role_title="Community Manager", photo_url=photo)
    [latest, *_] = await history(api, t.cm.token, t.cm)
    assert latest["event"] == "profile_changed"
    assert latest["actor"] == {"id": t.cm.id, "full_name": "Mauricette Raoul"}
    assert latest["changes"] == [
        {"field": "role_title", "old": "Rédaction", "new": "Community Manager"},
        {"field": "photo_url", "old": None, "new": photo},
    ]
    assert latest["summary"] == "Changed: role title, photo"
    in_french = await api.get(
        f"{API}/people/{t.cm.id}/history", headers={**bearer(t.cm.token), "Accept-Language": "fr"}
    )
    [french, *_] = await ok(in_french)
    assert french["summary"] == "Modifié : fonction, photo"


async def test_the_whole_story_is_told_newest_first(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    await change(api, t.manager.token, t.cm, full_name="Mauricette Roux")
    path = f"/people/{t.cm.id}/attest"
    await ok(await post_json(api, path, t.manager.token, {"method": "id_document"}))
    await change(api, t.owner.token, t.cm, role="manager")
    withdraw = {"reason": "identity to check again"}
    await ok(await post_json(api, f"/people/{t.cm.id}/attest/withdraw", t.owner.token, withdraw))
    await ok(await post_json(api, f"/people/{t.cm.id}/leave", t.owner.token, {}))

    story = await history(api, t.owner.token, t.cm)
    assert [entry["event"] for entry in story] == [
        "left",
        "attestation_withdrawn",
        "role_changed",
        "attested",
        "profile_changed",
        "attestation_withdrawn",  # the new name needs attesting again
        "attested",
        "created",
    ]
    left, withdrawn, role, attested, renamed, by_rename, _, created = story
    assert left["left_at"] is not None and left["actor"]["full_name"] == "Aline Lamour"
    assert withdrawn["reason"] == "identity to check again"
    assert role["changes"] == [{"field": "role", "old": "cm", "new": "manager"}]
    assert role["summary"] == "Role: community manager → manager"
    assert (attested["method"], attested["attested_name"]) == ("id_document", "Mauricette Roux")
    assert attested["actor"]["full_name"] == "Didier Corre"
    assert renamed["changes"] == [
        {"field": "full_name", "old": "Mauricette Raoul", "new": "Mauricette Roux"}
    ]
    assert by_rename["reason"] == "name changed"
    assert created["summary"] == "Added as community manager"
    times = [entry["at"] for entry in story]
    assert times == sorted(times, reverse=True)


async def test_the_history_is_paginated(api: httpx.AsyncClient, state: AppState) -> None:
    t = await team(state, api)
    for title in ("Rédactrice", "Rédactrice en chef", "Directrice"):
        await change(api, t.cm.token, t.cm, role_title=title)
    everything = await history(api, t.cm.token, t.cm)
    assert len(everything) == 5  # created, attested, three titles
    first = await history(api, t.cm.token, t.cm, limit=2)
    rest = await history(api, t.cm.token, t.cm, limit=2, offset=2)
    assert first + rest == everything[:4]
    assert [e["changes"][0]["new"] for e in first] == ["Directrice", "Rédactrice en chef"]


async def test_a_new_password_is_noted_without_any_value(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    await change(api, t.cm.token, t.cm, password="gravel lantern orchid")
    [latest, *_] = await history(api, t.cm.token, t.cm)
    assert latest["changes"] == [{"field": "password", "old": None, "new": None}]
    assert "gravel" not in str(await history(api, t.owner.token, t.cm))


async def test_the_first_owners_history_starts_at_setup(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t = await team(state, api)
    attested, created = await history(api, t.owner.token, t.owner)
    assert (created["event"], created["actor"]) == ("created", None)
    assert (attested["event"], attested["method"], attested["actor"]) == ("attested", "setup", None)


async def test_a_history_is_for_its_person_owners_and_managers(
    api: httpx.AsyncClient, state: AppState
) -> None:
    t: Team = await team(state, api)
    assert await history(api, t.cm.token, t.cm)
    assert await history(api, t.manager.token, t.cm)
    assert await history(api, t.manager.token, t.owner)
    response = await api.get(f"{API}/people/{t.other_cm.id}/history", headers=bearer(t.cm.token))
    refused(response, 403, "forbidden_role")
