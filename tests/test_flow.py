"""The whole flow over HTTP, as a new organisation would live it, with the real dispatcher."""

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from tests.conftest import BASE_URL, AppFactory
from tests.factories import bearer, ok

ATOM = "{http://www.w3.org/2005/Atom}"


async def _csrf(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert match, "form without CSRF token"
    return match.group(1)


async def _web_token(http: httpx.AsyncClient) -> str:
    csrf = await _csrf(http, "/app/tokens")
    page = await http.post("/app/tokens", data={"csrftoken": csrf, "name": "laptop"})
    assert page.status_code == 200, page.text
    match = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert match, page.text
    return match.group(1)


def _browser(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, follow_redirects=True
    )


async def _wait_published(api: httpx.AsyncClient, post_id: int, headers: dict[str, str]) -> dict:
    for _ in range(150):
        post = await ok(await api.get(f"/api/v1/posts/{post_id}", headers=headers))
        if post["status"] in ("published", "failed", "held", "needs_attention"):
            return post
        await asyncio.sleep(0.1)
    raise AssertionError(f"post {post_id} still {post['status']} after 15 s")


async def test_setup_to_signed_blog_article(make_app: AppFactory) -> None:
    app = await make_app(dispatcher=True)
    async with _browser(app) as owner_web, _browser(app) as cm_web, _browser(app) as api:
        # First run: the web root offers setup; the first owner is attested by setup.
        first = await owner_web.get("/")
        assert first.url.path == "/setup"
        csrf = await _csrf(owner_web, "/setup")
        done = await owner_web.post(
            "/setup",
            data={
                "csrftoken": csrf,
                "organisation": "CL Consult",
                "email": "aline@cl-consult.fr",
                "full_name": "Aline Lamour",
                "role_title": "Fondatrice",
                "password": "correct horse battery",
            },
        )
        assert done.url.path == "/app", done.text
        owner = bearer(await _web_token(owner_web))

        person = await ok(
            await api.post(
                "/api/v1/people",
                headers=owner,
                json={
                    "email": "mauricette@cl-consult.fr",
                    "full_name": "Mauricette Raoul",
                    "short_name": "Mauricette",
                    "role": "cm",
                    "role_title": "Community Manager",
                    "photo_url": "https://cl-consult.fr/team/mauricette.jpg",
                    "password": "du pain au levain chaque matin",
                },
            ),
            201,
        )
        assert person["attested"] is False
        attested = await ok(
            await api.post(
                f"/api/v1/people/{person['id']}/attest",
                headers=owner,
                json={"method": "id_document"},
            )
        )
        assert attested["attested"] is True

        client = await ok(
            await api.post(
                "/api/v1/clients",
                headers=owner,
                json={"name": "Boulangerie Corre", "timezone": "Europe/Paris", "locale": "fr"},
            ),
            201,
        )
        engagement = await ok(
            await api.post(
                f"/api/v1/clients/{client['id']}/engagements",
                headers=owner,
                json={"person_id": person["id"]},
            ),
            201,
        )
        assert engagement["status"] == "proposed"

        # The CM logs in and accepts the client with their own token.
        csrf = await _csrf(cm_web, "/login")
        logged = await cm_web.post(
            "/login",
            data={
                "csrftoken": csrf,
                "email": "mauricette@cl-consult.fr",
                "password": "du pain au levain chaque matin",
            },
        )
        assert logged.url.path == "/app"
        cm = bearer(await _web_token(cm_web))
        accepted = await ok(
            await api.post(f"/api/v1/engagements/{engagement['id']}/accept", headers=cm)
        )
        assert accepted["status"] == "accepted"

        channel = await ok(
            await api.post(
                f"/api/v1/clients/{client['id']}/channels",
                headers=owner,
                json={"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}},
            ),
            201,
        )
        due = datetime.now(UTC) + timedelta(seconds=2)
        created = await ok(
            await api.post(
                "/api/v1/posts",
                headers=cm,
                json={
                    "client_id": client["id"],
                    "channel_ids": [channel["id"]],
                    "title": "Les galettes sont de retour",
                    "body": "Dès samedi, nos galettes des rois reviennent.\n\nFrangipane ou pomme ?",
                    "scheduled_at": due.isoformat(),
                },
            ),
            201,
        )
        assert created["status"] == "scheduled"
        assert created["author"] == {"id": person["id"], "full_name": "Mauricette Raoul"}
        assert created["signature"]["full_name"] == "Mauricette Raoul"
        assert created["deliveries"][0]["status"] == "scheduled"

        post = await _wait_published(api, created["id"], cm)
        delivery = post["deliveries"][0]
        assert post["status"] == "published", delivery["last_error"]
        assert delivery["status"] == "published"
        published_at = datetime.fromisoformat(delivery["published_at"])
        assert published_at >= due - timedelta(seconds=1)
        assert delivery["external_url"].startswith(f"{BASE_URL}/blog/{client['slug']}/")

        blog = await api.get(f"/blog/{client['slug']}")
        assert blog.status_code == 200
        assert "Les galettes sont de retour" in blog.text
        assert "Mauricette Raoul" in blog.text and "Community Manager" in blog.text
        assert "https://cl-consult.fr/team/mauricette.jpg" in blog.text

        article = await api.get(delivery["external_url"])
        assert article.status_code == 200
        assert "Frangipane ou pomme ?" in article.text and "Mauricette Raoul" in article.text

        feed = await api.get(f"/blog/{client['slug']}/feed.xml")
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        assert len(entries) == 1
        assert entries[0].findtext(f"{ATOM}title") == "Les galettes sont de retour"
        assert entries[0].find(f"{ATOM}author").findtext(f"{ATOM}name") == "Mauricette Raoul"
