"""Structured logs say which worker, delivery and request a line is about."""

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from app.dispatch.runner import DispatchRunner
from app.kit.logs import make_handler
from tests.dispatch.conftest import EnvFactory
from tests.dispatch.helpers import deliveries, schedule


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Byline's JSON log handler on the root logger, writing to a buffer."""
    buffer = io.StringIO()
    handler = make_handler("json", buffer)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def records(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_a_connector_failure_is_logged_with_its_delivery(
    dispatch_env: EnvFactory, json_lines: io.StringIO
) -> None:
    env = await dispatch_env(plan=lambda _key, _attempt: "crash")
    await schedule(env.state, env.setup, [env.clock.now])
    await env.dispatcher.tick()
    (delivery,) = [d for d in await deliveries(env.state) if d.status != "cancelled"]
    crash = [r for r in records(json_lines) if "unexpected error" in str(r["message"])]
    assert len(crash) == 1, records(json_lines)
    assert crash[0]["delivery_id"] == delivery.id
    assert crash[0]["level"] == "ERROR" and "a bug in the connector" in str(crash[0]["exc_info"])


async def test_a_worker_logs_with_its_id(dispatch_env: EnvFactory, json_lines: io.StringIO) -> None:
    env = await dispatch_env()
    runner = DispatchRunner(env.state, worker_id="worker-7")
    await runner.start()
    await runner.stop()
    started = [r for r in records(json_lines) if "is dispatching" in str(r["message"])]
    assert started and started[0]["worker_id"] == "worker-7"


async def test_an_unexpected_error_is_logged_with_the_request_id_it_answered(
    dispatch_env: EnvFactory, json_lines: io.StringIO
) -> None:
    env = await dispatch_env()

    async def broken() -> None:
        raise RuntimeError("a bug in an endpoint")

    env.app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=env.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/broken", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    (logged,) = [
        r for r in records(json_lines) if r["logger"] == "byline.http" and r["level"] == "ERROR"
    ]
    assert logged["request_id"] == "req-42"
    assert logged["message"] == "unexpected error answering GET '/broken'"
    assert "a bug in an endpoint" in str(logged["exc_info"])
