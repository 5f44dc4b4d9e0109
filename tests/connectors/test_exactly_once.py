"""Exactly once, for real, against a WordPress that answers as WordPress does: a stall past the
publish timeout followed by a late insert yields one article, an article that truly never arrived
is sent again (once), and two installs sharing a site never take each other's articles."""

import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.deliveries.states import DeliveryStatus
from app.dispatch.engine import Dispatcher
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.connectors.fakes import WP_PASSWORD, WP_SITE, WP_USER, FakeWordPress
from tests.dispatch.helpers import (
    FakeClock,
    deliveries,
    install_id,
    until_absence_is_believed,
)
from tests.factories import Writer, bearer, engaged_writer, ok

MARKER = re.compile(r"<!-- byline:(\S+) -->")


@dataclass
class Site:
    """A FakeWordPress whose next article requests misbehave as `faults` says, in turn:
    "stall" holds the request past any timeout and inserts the article a moment later (PHP goes
    on after the client gave up); "bad_gateway" answers 502 from the proxy, nothing inserted."""

    wordpress: FakeWordPress = field(default_factory=FakeWordPress)
    faults: list[str] = field(default_factory=list)
    late: list[asyncio.Task[None]] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        creating = request.method == "POST" and request.url.path == "/wp-json/wp/v2/posts"
        fault = self.faults.pop(0) if creating and self.faults else None
        if fault == "bad_gateway":
            return httpx.Response(502, text="<html><body>Bad Gateway</body></html>")
        if fault == "stall":
            self.late.append(asyncio.create_task(self._insert_later(request)))
            await asyncio.sleep(3600)
        return self.wordpress(request)

    async def _insert_later(self, request: httpx.Request) -> None:
        await asyncio.sleep(0.3)
        self.wordpress(request)

    def markers(self) -> list[str]:
        return [MARKER.findall(post["content"]["raw"])[0] for post in self.wordpress.posts]


@dataclass
class Install:
    state: AppState
    http: httpx.AsyncClient
    writer: Writer
    channel_id: int
    clock: FakeClock

    async def post_now(self) -> int:
        post = await ok(
            await self.http.post(
                "/api/v1/posts",
                headers=bearer(self.writer.token),
                json={
                    "client_id": self.writer.client_id,
                    "channel_ids": [self.channel_id],
                    "title": "Galettes",
                    "body": "Les galettes sont de retour dès samedi.",
                },
            ),
            201,
        )
        return int(post["id"])

    async def delivery(self, post_id: int) -> Any:
        [delivery] = await deliveries(self.state, [post_id])
        return delivery

    async def tick(self) -> None:
        await Dispatcher(self.state, worker_id="test-worker").tick()


InstallFactory = Callable[..., Any]


@pytest.fixture
async def install(
    make_app: AppFactory, settings: Settings, migrated_template: Path, tmp_path: Path
) -> AsyncIterator[InstallFactory]:
    """Byline installs publishing to `site`: the first on the test's database, each other one on
    its own (a fresh SQLite database, whatever the suite runs on)."""
    opened: list[httpx.AsyncClient] = []

    async def start(site: Site, *, own_database: bool = False) -> Install:
        overrides: dict[str, Any] = {"publish_timeout": 0.1}
        if own_database:
            path = tmp_path / f"other-{len(opened)}.db"
            shutil.copy(migrated_template, path)
            overrides["database_url"] = f"sqlite+aiosqlite:///{path}"
        clock = FakeClock()
        app = await make_app(
            settings=settings.model_copy(update=overrides),
            clock=clock,
            http_transport=httpx.MockTransport(site),
        )
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        opened.append(http)
        state: AppState = app.state.byline
        writer = await engaged_writer(state, http)
        channel = await ok(
            await http.post(
                f"/api/v1/clients/{writer.client_id}/channels",
                headers=bearer(writer.org.owner_token),
                json={
                    "kind": "wordpress",
                    "name": "Blog WordPress",
                    "config": {"site_url": WP_SITE},
                    "credentials": {"username": WP_USER, "application_password": WP_PASSWORD},
                },
            ),
            201,
        )
        return Install(state, http, writer, channel["id"], clock)

    yield start
    for http in opened:
        await http.aclose()


async def test_a_stall_past_the_timeout_then_a_late_insert_yields_one_article(
    install: InstallFactory,
) -> None:
    site = Site(faults=["stall"])
    byline = await install(site)
    post_id = await byline.post_now()
    await byline.tick()  # times out; the immediate look-up finds nothing yet
    assert (await byline.delivery(post_id)).status == DeliveryStatus.UNKNOWN
    await asyncio.gather(*site.late)  # WordPress finishes the stalled request
    byline.clock.advance(until_absence_is_believed(byline.state))
    await byline.tick()
    delivery = await byline.delivery(post_id)
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert len(site.wordpress.posts) == 1
    assert delivery.external_url == site.wordpress.posts[0]["link"]


async def test_an_article_that_never_arrived_is_sent_again_after_the_second_look_up(
    install: InstallFactory,
) -> None:
    site = Site(faults=["bad_gateway"])
    byline = await install(site)
    post_id = await byline.post_now()
    await byline.tick()
    assert (await byline.delivery(post_id)).status == DeliveryStatus.UNKNOWN
    # Before the request could have landed, nothing is sent again and nothing is decided.
    byline.clock.advance(until_absence_is_believed(byline.state) / 2)
    await byline.tick()
    assert (await byline.delivery(post_id)).status == DeliveryStatus.UNKNOWN
    assert site.wordpress.posts == []
    byline.clock.advance(until_absence_is_believed(byline.state))
    await byline.tick()  # the second look-up, late enough: believed, sent again at once
    await byline.tick()
    delivery = await byline.delivery(post_id)
    assert delivery.status == DeliveryStatus.PUBLISHED, delivery.last_error
    assert len(site.wordpress.posts) == 1
    assert delivery.external_url == site.wordpress.posts[0]["link"]


async def test_two_installs_sharing_a_site_never_take_each_others_articles(
    install: InstallFactory,
) -> None:
    site = Site()
    first = await install(site)
    second = await install(site, own_database=True)
    first_post, second_post = await first.post_now(), await second.post_now()
    # Same delivery id in both databases: only the install's identifier tells them apart.
    assert (await first.delivery(first_post)).id == (await second.delivery(second_post)).id
    assert await install_id(first.state) != await install_id(second.state)

    await first.tick()
    site.faults.append("bad_gateway")
    await second.tick()  # 502: the look-up must not find the first install's article
    assert (await second.delivery(second_post)).status == DeliveryStatus.UNKNOWN
    second.clock.advance(until_absence_is_believed(second.state))
    await second.tick()
    await second.tick()

    ours, theirs = await first.delivery(first_post), await second.delivery(second_post)
    assert ours.status == theirs.status == DeliveryStatus.PUBLISHED
    assert len(site.wordpress.posts) == 2
    assert ours.external_id != theirs.external_id
    installs = [await install_id(byline.state) for byline in (first, second)]
    assert sorted(site.markers()) == sorted(f"byline-{i}-delivery-{ours.id}" for i in installs)
