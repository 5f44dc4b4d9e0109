"""The web app as a browser without JavaScript meets it: forms with their CSRF token, a session
cookie."""

import re

import httpx
from fastapi import FastAPI

from tests.conftest import BASE_URL

OWNER_EMAIL = "aline@cl-consult.fr"
PASSWORD = "correct horse battery"


def browser(app: FastAPI, base_url: str = BASE_URL) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def csrf_of(web: httpx.AsyncClient, path: str = "/login") -> str:
    page = await web.get(path)
    match = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


async def log_in(
    web: httpx.AsyncClient, email: str = OWNER_EMAIL, password: str = PASSWORD
) -> httpx.Response:
    return await web.post(
        "/login", data={"csrftoken": await csrf_of(web), "email": email, "password": password}
    )
