"""What an operator watches: /healthz, /readyz, /metrics, request ids, offline API docs."""

import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from app.config import Settings
from app.dispatch.engine import Dispatcher
from tests.conftest import AppFactory
from tests.dispatch.helpers import FakeClock
from tests.factories import engaged_writer, write_post

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@asynccontextmanager
async def served(make_app: AppFactory, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app started with `options` (settings, clock, dispatcher…)."""
    app = await make_app(**options)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


def elsewhere(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a database that is not the test's migrated one."""
    return Settings(var_dir=tmp_path / "other", database_url=database_url, secret_key="k" * 40)


UNREACHABLE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


async def test_metrics_show_the_backlog_then_the_delivery_its_lateness_and_the_call(
    make_app: AppFactory,
) -> None:
    clock = FakeClock()
    app = await make_app(clock=clock)
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        writer = await engaged_writer(state, http)
        before = await scrape(http)
        await write_post(http, writer, scheduled_at=(clock.now + timedelta(minutes=1)).isoformat())
        waiting = await scrape(http)
        assert value(waiting, "byline_deliveries", status="scheduled") == 1
        assert value(waiting, "byline_due_backlog") == 0

        clock.advance(5 * 60)  # the service was down for four minutes past the due time
        overdue = await scrape(http)
        assert value(overdue, "byline_due_backlog") == 1
        assert value(overdue, "byline_due_backlog_age_seconds") == 240

        assert await Dispatcher(state).tick() == 1
        after = await scrape(http)

    assert value(after, "byline_deliveries", status="published") == 1
    assert value(after, "byline_deliveries", status="scheduled") == 0
    assert value(after, "byline_due_backlog") == 0

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("byline_publish_lateness_seconds_count", kind="local_blog") == 1
    # The registry is the process's: earlier tests left a sum this one grows (floats).
    assert grew("byline_publish_lateness_seconds_sum", kind="local_blog") == pytest.approx(240)
    # 240 s late: outside the 60 s bucket, inside the 300 s one.
    assert grew("byline_publish_lateness_seconds_bucket", kind="local_blog", le="60.0") == 0
    assert grew("byline_publish_lateness_seconds_bucket", kind="local_blog", le="300.0") == 1
    assert (
        grew(
            "byline_connector_calls_total",
            kind="local_blog",
            operation="publish",
            outcome="published",
        )
        == 1
    )
    assert (
        grew("byline_connector_call_duration_seconds_count", kind="local_blog", operation="publish")
        == 1
    )
    assert grew("byline_dispatch_claim_batch_size_count") == 1
    assert grew("byline_dispatch_claim_batch_size_sum") == 1


async def test_metrics_count_live_workers(make_app: AppFactory) -> None:
    async with served(make_app, dispatcher=True) as http:
        found = await scrape(http)
    assert value(found, "byline_live_workers") == 1


async def test_readyz_answers_when_the_schema_is_current(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_readyz_refuses_an_unmigrated_database_and_says_what_to_run(
    make_app: AppFactory, tmp_path: Path
) -> None:
    empty = elsewhere(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with served(make_app, settings=empty) as http:
        english = await http.get("/readyz")
        french = await http.get("/readyz", headers={"Accept-Language": "fr"})
        alive = await http.get("/healthz")
    assert english.status_code == 503 and french.status_code == 503
    assert english.json()["error"]["code"] == "not_ready"
    assert "byline migrate" in english.json()["error"]["message"]
    assert "lancez « byline migrate »" in french.json()["error"]["message"]
    assert alive.status_code == 200  # alive, just not ready


async def test_readyz_says_when_the_database_does_not_answer(
    make_app: AppFactory, tmp_path: Path
) -> None:
    async with served(make_app, settings=elsewhere(tmp_path, UNREACHABLE)) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert "does not answer" in response.json()["error"]["message"]
    assert "BYLINE_DATABASE_URL" in response.json()["error"]["message"]


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    generated = await client.get("/api/v1/people")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    hostile = await client.get("/healthz", headers={"X-Request-ID": "x\r\nSet-Cookie: a=b"})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])


async def test_api_docs_load_everything_from_byline_itself(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert not [source for source in sources if re.match(r"(https?:)?//", source)], sources
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > (1000 if "/docs/assets/" in source else 100), source
    script = next(source for source in sources if source.endswith("swagger-ui-bundle.js"))
    # Swagger UI 5 reads OpenAPI 3.1, which FastAPI writes; version 4 shows a blank page for it.
    assert re.search(r'"5\.\d+\.\d+"', (await client.get(script)).text)
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")


async def test_metrics_can_require_a_token(make_app: AppFactory, settings: Settings) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("s3cret-scraper")})
    async with served(make_app, settings=guarded) as http:
        anonymous = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer guess"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-scraper"})
    for refused in (anonymous, wrong):
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "metrics_token"
    assert right.status_code == 200 and "byline_deliveries" in right.text


async def test_metrics_still_answer_when_the_database_does_not(
    make_app: AppFactory, tmp_path: Path
) -> None:
    async with served(make_app, settings=elsewhere(tmp_path, UNREACHABLE)) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    found = samples(response.text)
    assert value(found, "byline_database_up") == 0
    assert "byline_deliveries{" not in response.text


async def test_readyz_does_not_wait_for_a_busy_sqlite_writer(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    if not settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    path = settings.resolved_database_url.split("///", 1)[1]
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        started = time.monotonic()
        ready = await client.get("/readyz")
        scraped = await client.get("/metrics")
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert ready.status_code == 200 and scraped.status_code == 200
    assert elapsed < 5
