"""A WordPress channel reaches only public addresses (or networks the operator allowed): refused
when its settings are written, and again at every connection, before anything is sent.

These tests run the app with its real HTTP client (no MockTransport): the guard in its transport
is what they test. Names resolve through a `FakeResolver`; the sites are real sockets on this
machine that record whether anything connected.
"""

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.dispatch.engine import Dispatcher
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.connectors.fakes import WP_PASSWORD, WP_USER
from tests.factories import Writer, bearer, engaged_writer, ok
from tests.helpers.dns import PUBLIC_ADDRESS, FakeResolver
from tests.helpers.listening import free_port, listening

API = "/api/v1"
CREDENTIALS = {"username": WP_USER, "application_password": WP_PASSWORD}
REFUSED = "Byline does not connect to blog.example.com: it is not a public internet address"


@dataclass
class Scene:
    app: FastAPI
    state: AppState
    http: httpx.AsyncClient
    writer: Writer
    resolver: FakeResolver

    @property
    def owner(self) -> dict[str, str]:
        return bearer(self.writer.org.owner_token)

    async def create(self, site_url: str, **headers: str) -> httpx.Response:
        return await self.http.post(
            f"{API}/clients/{self.writer.client_id}/channels",
            headers={**self.owner, **headers},
            json={
                "kind": "wordpress",
                "name": "Blog WordPress",
                "config": {"site_url": site_url},
                "credentials": CREDENTIALS,
            },
        )

    async def check(self, channel_id: int) -> dict[str, object]:
        result: dict[str, object] = await ok(
            await self.http.post(f"{API}/channels/{channel_id}/check", headers=self.owner)
        )
        return result

    async def publish(self, channel_id: int) -> dict[str, object]:
        post = await ok(
            await self.http.post(
                f"{API}/posts",
                headers=bearer(self.writer.token),
                json={
                    "client_id": self.writer.client_id,
                    "channel_ids": [channel_id],
                    "title": "Galettes",
                    "body": "Les galettes sont là.",
                },
            ),
            201,
        )
        await Dispatcher(self.state).tick()
        done = await ok(await self.http.get(f"{API}/posts/{post['id']}", headers=self.owner))
        delivery: dict[str, object] = done["deliveries"][0]
        return delivery


@asynccontextmanager
async def scene(
    make_app: AppFactory, settings: Settings, *allowed: str, **names: list[str]
) -> AsyncIterator[Scene]:
    """The app with its real HTTP client, `allowed` networks, and `names` (dots as `_`)."""
    resolver = FakeResolver({name.replace("_", "."): answer for name, answer in names.items()})
    networks = tuple(ipaddress.ip_network(network) for network in allowed)
    app = await make_app(
        settings=settings.model_copy(update={"allow_private_destinations": networks}),
        resolver=resolver,
    )
    state = app.state.byline
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        writer = await engaged_writer(state, http)
        yield Scene(app, state, http, writer, resolver)


NOT_PUBLIC_SITES = [
    ("https://127.0.0.1/", "127.0.0.1"),
    ("http://127.0.0.1:8080/", "127.0.0.1"),
    ("https://2130706433/", "127.0.0.1"),
    ("https://0x7f.1/", "127.0.0.1"),
    ("https://[::1]/", "[::1]"),
    ("https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
    ("https://169.254.169.254/", "169.254.169.254"),
    ("https://10.0.0.1/", "10.0.0.1"),
    ("https://100.64.0.1/", "100.64.0.1"),
    ("https://[fd00::1]/", "[fd00::1]"),
    ("https://blog.example.com/", "blog.example.com"),
    ("https://metadata.google.internal/", "metadata.google.internal"),
    ("http://localhost:8080/", "localhost"),
]


@pytest.mark.parametrize(("site_url", "host"), NOT_PUBLIC_SITES)
async def test_a_site_that_is_not_public_is_refused_at_creation(
    make_app: AppFactory, settings: Settings, site_url: str, host: str
) -> None:
    names = {
        "blog_example_com": ["127.0.0.1"],
        "metadata_google_internal": ["169.254.169.254"],
        "localhost": ["127.0.0.1", "::1"],
    }
    async with scene(make_app, settings, **names) as s:
        response = await s.create(site_url)
        channels = await ok(
            await s.http.get(f"{API}/clients/{s.writer.client_id}/channels", headers=s.owner)
        )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("destination_not_public", "config.site_url")
    assert f"to {host}:" in error["message"]
    assert "BYLINE_ALLOW_PRIVATE_DESTINATIONS" in error["message"]
    assert WP_PASSWORD not in response.text
    assert [channel["kind"] for channel in channels] == ["local_blog"]


async def test_the_refusal_speaks_french_too(make_app: AppFactory, settings: Settings) -> None:
    async with scene(make_app, settings) as s:
        response = await s.create("https://10.0.0.1/", **{"Accept-Language": "fr"})
    error = response.json()["error"]
    assert error["code"] == "destination_not_public"
    assert error["message"].startswith("Byline n'envoie pas de requêtes à 10.0.0.1 ")
    assert "BYLINE_ALLOW_PRIVATE_DESTINATIONS" in error["message"]


async def test_new_settings_that_are_not_public_are_refused(
    make_app: AppFactory, settings: Settings
) -> None:
    async with scene(make_app, settings, blog_example_com=[PUBLIC_ADDRESS]) as s:
        channel = await ok(await s.create("https://blog.example.com/"), 201)
        response = await s.http.patch(
            f"{API}/channels/{channel['id']}",
            headers=s.owner,
            json={"config": {"site_url": "https://169.254.169.254/"}},
        )
        renamed = await ok(
            await s.http.patch(
                f"{API}/channels/{channel['id']}", headers=s.owner, json={"name": "Blog"}
            )
        )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "destination_not_public"
    assert renamed["config"]["site_url"] == "https://blog.example.com/"


async def test_a_name_that_does_not_resolve_is_refused_with_its_own_code(
    make_app: AppFactory, settings: Settings
) -> None:
    """A channel that cannot be reached cannot publish; a typo is the usual cause: say so now."""
    async with scene(make_app, settings) as s:
        response = await s.create("https://blgo.example.com/")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("destination_unresolved", "config.site_url")
    assert "blgo.example.com" in error["message"] and "spelling" in error["message"]


async def test_an_allowed_network_may_be_named(make_app: AppFactory, settings: Settings) -> None:
    names = {"wp_agence_lan": ["10.1.2.3"]}
    async with scene(make_app, settings, "10.0.0.0/8", **names) as s:
        literal = await s.create("https://10.0.0.1/")
        name = await s.create("https://wp.agence.lan/")
        other = await s.create("https://192.168.1.20/")
    assert literal.status_code == 201 and name.status_code == 201
    assert other.json()["error"]["code"] == "destination_not_public"


async def test_an_allowed_site_on_this_machine_is_checked_and_published_to(
    make_app: AppFactory, settings: Settings
) -> None:
    async with listening() as site, scene(make_app, settings, "127.0.0.0/8") as s:
        channel = await ok(await s.create(f"http://127.0.0.1:{site.port}/"), 201)
        checked = await s.check(channel["id"])
        delivery = await s.publish(channel["id"])
    assert checked["ok"] is True
    assert checked["detail"] == (
        "signed in as Mauricette Raoul (author)\n"
        "Mauricette Raoul: WordPress shows “Mauricette Raoul” (the account's own e-mail)"
    )
    assert delivery["status"] == "published", delivery
    assert delivery["external_id"] == "301"
    # The check's look at the account, the publish's (who signs), then the article itself.
    assert [request.split(b" ")[0] for request in site.requests] == [b"GET", b"GET", b"POST"]
    assert b"\r\nAuthorization: Basic " in site.requests[2]


async def test_a_name_that_now_resolves_to_this_machine_gets_nothing(
    make_app: AppFactory, settings: Settings
) -> None:
    """DNS rebinding: created while the name led to a public address, the channel then leads to
    127.0.0.1, where a server listens. Its check says so without connecting; its publish fails
    for good (no retry), and the server never saw a connection, let alone the credentials."""
    async with (
        listening() as site,
        scene(make_app, settings, blog_example_com=[PUBLIC_ADDRESS]) as s,
    ):
        channel = await ok(await s.create(f"https://blog.example.com:{site.port}/"), 201)
        s.resolver.names["blog.example.com"] = ["127.0.0.1"]
        checked = await s.check(channel["id"])
        delivery = await s.publish(channel["id"])
    assert checked["ok"] is False
    assert str(checked["detail"]).startswith(REFUSED)
    assert delivery["status"] == "failed", delivery
    assert str(delivery["last_error"]).startswith(REFUSED)
    assert delivery["attempts"] == 1
    assert site.connections == 0


async def test_a_check_cannot_tell_an_open_port_from_a_closed_one(
    make_app: AppFactory, settings: Settings
) -> None:
    """On a refused address nothing is connected to, so the answer cannot depend on what
    listens there."""
    async with (
        listening() as site,
        scene(make_app, settings, blog_example_com=[PUBLIC_ADDRESS]) as s,
    ):
        open_port = await ok(await s.create(f"https://blog.example.com:{site.port}/"), 201)
        closed_port = await ok(await s.create(f"https://blog.example.com:{free_port()}/"), 201)
        s.resolver.names["blog.example.com"] = ["127.0.0.1"]
        checks = [await s.check(channel["id"]) for channel in (open_port, closed_port)]
    assert checks[0] == checks[1]
    assert checks[0]["ok"] is False
    assert site.connections == 0


async def test_a_withdrawn_allowance_stops_the_next_connection(
    make_app: AppFactory, settings: Settings
) -> None:
    """Channels created while the operator allowed a network stop reaching it once the
    allowance is gone (the setting is read at start, the guard applies at every connection)."""
    async with listening() as site:
        async with scene(make_app, settings, "127.0.0.0/8") as s:
            channel = await ok(await s.create(f"http://127.0.0.1:{site.port}/"), 201)
            assert (await s.check(channel["id"]))["ok"] is True
        restarted = await make_app(resolver=FakeResolver())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=restarted), base_url=BASE_URL
        ) as http:
            checked = await ok(
                await http.post(f"{API}/channels/{channel['id']}/check", headers=s.owner)
            )
    assert checked["ok"] is False
    assert str(checked["detail"]).startswith("Byline does not connect to 127.0.0.1:")
    assert site.connections == 1
