from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import AppFactory
from tests.handovers.helpers import Cast, cast
from tests.test_api_refusals import cheap_password_hashing

CastFactory = Callable[..., Awaitable[Cast]]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
async def make_cast(make_app: AppFactory) -> AsyncIterator[CastFactory]:
    clients: list[httpx.AsyncClient] = []

    async def build(**options: Any) -> Cast:
        return await cast(make_app, clients, **options)

    yield build
    for client in clients:
        await client.aclose()
