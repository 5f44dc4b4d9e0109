"""Clients: what an owner or manager sets, and what the API answers."""

from tests.conftest import AppFactory
from tests.factories import bearer, ok, setup_org


async def test_a_client_sets_its_publish_deadline_and_signature_wording(
    make_app: AppFactory,
) -> None:
    import httpx

    app = await make_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        org = await setup_org(app.state.byline)
        owner = bearer(org.owner_token)
        client = await ok(
            await http.post(
                "/api/v1/clients",
                headers=owner,
                json={
                    "name": "Maison Gautron",
                    "timezone": "America/Montreal",
                    "locale": "fr",
                    "publish_deadline_minutes": 30,
                },
            ),
            201,
        )
        assert client["publish_deadline_minutes"] == 30 and client["slug"] == "maison-gautron"
        changed = await ok(
            await http.patch(
                f"/api/v1/clients/{client['id']}",
                headers=owner,
                json={"publish_deadline_minutes": None, "signature_intro": "Écrit par"},
            )
        )
        assert (
            changed["publish_deadline_minutes"] is None
            and changed["signature_intro"] == "Écrit par"
        )
        too_long = await http.patch(
            f"/api/v1/clients/{client['id']}", headers=owner, json={"publish_deadline_minutes": 0}
        )
        assert (
            too_long.status_code == 422
            and too_long.json()["error"]["field"] == "publish_deadline_minutes"
        )
        bad_zone = await http.patch(
            f"/api/v1/clients/{client['id']}", headers=owner, json={"timezone": "Mars/Olympus"}
        )
        assert (
            bad_zone.status_code == 422 and bad_zone.json()["error"]["code"] == "invalid_timezone"
        )
