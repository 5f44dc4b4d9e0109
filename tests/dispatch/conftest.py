from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.dispatch.engine import Dispatcher
from app.kit.time import utc_now
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.dispatch.connectors import CallLog, Plan, recording_connectors
from tests.dispatch.helpers import FakeClock, Setup, writer_with_channel


@dataclass
class Env:
    state: AppState
    http: httpx.AsyncClient
    setup: Setup
    calls: CallLog
    clock: FakeClock
    app: Any

    @property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.state, worker_id="test-worker")


EnvFactory = Callable[..., Awaitable[Env]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def dispatch_env(
    make_app: AppFactory, settings: Settings, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[EnvFactory]:
    """An app whose channels include the recording connectors, on a clock the test moves."""
    clients: list[httpx.AsyncClient] = []

    async def build(
        *,
        plan: Plan | None = None,
        latency: float = 0.0,
        kind: str = "recording",
        real_clock: bool = False,
        dispatcher: bool = False,
        **overrides: Any,
    ) -> Env:
        log = tmp_path / "calls.log"
        app = await make_app(
            settings=settings.model_copy(update=overrides),
            clock=utc_now if real_clock else clock,
            connectors=recording_connectors(log, plan=plan, latency=latency),
            dispatcher=dispatcher,
        )
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        clients.append(http)
        state: AppState = app.state.byline
        setup = await writer_with_channel(state, http, kind)
        return Env(state, http, setup, CallLog(log), clock, app)

    yield build
    for http in clients:
        await http.aclose()

