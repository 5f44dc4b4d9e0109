"""A client with Mauricette Raoul speaking for it on three channels (the built-in blog, a Facebook
Page and a WordPress site answering as their APIs do), Joséphine Maurice ready to take over, and a
clock the test moves."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.db import unit_of_work
from app.dispatch.engine import Dispatcher
from app.handovers import service as handovers
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.connectors.fakes import (
    PAGE_ID,
    PAGE_TOKEN,
    WP_PASSWORD,
    WP_SITE,
    WP_USER,
    FakePage,
    FakeWordPress,
)
from tests.dispatch.helpers import FakeClock
from tests.factories import bearer, ok, setup_org, token_for

API = "/api/v1"


@dataclass
class Cast:
    state: AppState
    http: httpx.AsyncClient
    clock: FakeClock
    page: FakePage
    site: FakeWordPress
    owner: str
    client_id: int
    slug: str
    channels: dict[str, int]
    mauricette_id: int
    mauricette: str
    josephine_id: int
    josephine: str

    async def call(
        self, method: str, path: str, token: str, payload: Any = None, **kw: Any
    ) -> httpx.Response:
        return await self.http.request(
            method,
            API + path,
            headers={**bearer(token), **kw.pop("headers", {})},
            json=payload,
            **kw,
        )

    async def ok(
        self, method: str, path: str, token: str, payload: Any = None, status: int = 200, **kw: Any
    ) -> Any:
        return await ok(await self.call(method, path, token, payload, **kw), status)

    async def propose(self, effective_at: str | None = None, **fields: Any) -> dict[str, Any]:
        when = effective_at or (self.clock.now + timedelta(hours=2)).isoformat()
        return await self.ok(
            "POST",
            f"/clients/{self.client_id}/handovers",
            self.owner,
            {
                "outgoing_person_id": self.mauricette_id,
                "incoming_person_id": self.josephine_id,
                "effective_at": when,
                **fields,
            },
            status=201,
        )

    async def post(self, token: str, **fields: Any) -> dict[str, Any]:
        return await self.ok(
            "POST",
            "/posts",
            token,
            {
                "client_id": self.client_id,
                "channel_ids": list(self.channels.values()),
                "title": "Galettes",
                "body": "Les galettes sont là.",
                **fields,
            },
            status=201,
        )

    async def settle(self) -> int:
        """What the dispatcher does when the clock has moved: handovers whose time has come
        take effect, then everything due goes out."""
        async with unit_of_work(self.state.session_factory) as session:
            await handovers.activate_due(session, now=self.clock())
        return await Dispatcher(self.state).tick()


async def person(
    http: httpx.AsyncClient,
    owner: str,
    email: str,
    full_name: str,
    *,
    attest: bool = True,
    **extra: Any,
) -> int:
    created = await ok(
        await http.post(
            f"{API}/people",
            headers=bearer(owner),
            json={"email": email, "full_name": full_name, "role": "cm", **extra},
        ),
        201,
    )
    if attest:
        await ok(
            await http.post(
                f"{API}/people/{created['id']}/attest",
                headers=bearer(owner),
                json={"method": "id_document"},
            )
        )
    return int(created["id"])


async def cast(
    make_app: AppFactory,
    http_clients: list[httpx.AsyncClient],
    *,
    locale: str = "fr",
    timezone: str = "Europe/Paris",
    kinds: tuple[str, ...] = ("local_blog", "facebook_page", "wordpress"),
    start: datetime | None = None,
) -> Cast:
    page, site = FakePage(), FakeWordPress()

    def destinations(request: httpx.Request) -> httpx.Response:
        return page(request) if request.url.host == "graph.facebook.com" else site(request)

    clock = FakeClock(start or datetime.now(UTC).replace(microsecond=0))
    app = await make_app(clock=clock, http_transport=httpx.MockTransport(destinations))
    state: AppState = app.state.byline
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=BASE_URL
    )
    http_clients.append(http)
    org = await setup_org(state, locale=locale)
    owner = org.owner_token
    mauricette_id = await person(
        http, owner, "mauricette@cl-consult.fr", "Mauricette Raoul", role_title="Community Manager"
    )
    josephine_id = await person(
        http,
        owner,
        "josephine@cl-consult.fr",
        "Joséphine Maurice",
        role_title="Community Manager",
        photo_url="https://cl-consult.fr/equipe/josephine.jpg",
    )
    client = await ok(
        await http.post(
            f"{API}/clients",
            headers=bearer(owner),
            json={"name": "Boulangerie Corre", "timezone": timezone, "locale": locale},
        ),
        201,
    )
    mauricette = await token_for(state, "mauricette@cl-consult.fr")
    josephine = await token_for(state, "josephine@cl-consult.fr")
    engagement = await ok(
        await http.post(
            f"{API}/clients/{client['id']}/engagements",
            headers=bearer(owner),
            json={"person_id": mauricette_id},
        ),
        201,
    )
    await ok(
        await http.post(f"{API}/engagements/{engagement['id']}/accept", headers=bearer(mauricette))
    )
    settings = {
        "local_blog": ({}, {}),
        "facebook_page": ({"page_id": PAGE_ID}, {"page_access_token": PAGE_TOKEN}),
        "wordpress": (
            {"site_url": WP_SITE},
            {"username": WP_USER, "application_password": WP_PASSWORD},
        ),
    }
    channels = {}
    for kind in kinds:
        config, credentials = settings[kind]
        channel = await ok(
            await http.post(
                f"{API}/clients/{client['id']}/channels",
                headers=bearer(owner),
                json={"kind": kind, "name": kind, "config": config, "credentials": credentials},
            ),
            201,
        )
        channels[kind] = channel["id"]
    return Cast(
        state=state,
        http=http,
        clock=clock,
        page=page,
        site=site,
        owner=owner,
        client_id=client["id"],
        slug=client["slug"],
        channels=channels,
        mauricette_id=mauricette_id,
        mauricette=mauricette,
        josephine_id=josephine_id,
        josephine=josephine,
    )
