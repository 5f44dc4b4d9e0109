"""Shared fixtures: a migrated database per test, the app with its lifespan, an API client.

The suite runs on SQLite (the default) or on PostgreSQL: `BYLINE_TEST_DB=postgresql` (what
`make test-postgres` sets) creates a scratch database on the server named by
`BYLINE_TEST_DATABASE_URL` (default: the local server), migrates it once, empties it before each
test and drops it at the end.
"""

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app import schema
from app.config import Settings
from app.state import AppState
from tests.helpers.dns import everything_public
from tests.helpers.postgres import admin_url as _admin_url
from tests.helpers.postgres import scratch_database

BASE_URL = "http://testserver"
TEST_DB = os.environ.get("BYLINE_TEST_DB", "sqlite")
ON_POSTGRES = TEST_DB == "postgresql"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """On PostgreSQL runs: a migrated scratch database for this session (its URL), else None."""
    if not ON_POSTGRES:
        yield None
        return
    with scratch_database() as plain:
        url = plain.replace("postgresql://", "postgresql+asyncpg://", 1)
        schema.upgrade(url)
        yield url


def empty_postgres(url: str) -> None:
    """Every table emptied and its ids restarted: each test starts from a fresh schema."""
    import psycopg
    from psycopg import sql

    from app.models import Base

    tables = sql.SQL(", ").join(sql.Identifier(name) for name in Base.metadata.tables)
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real migrations once; each test then gets its own copy of the database file."""
    path = tmp_path_factory.mktemp("template") / "byline.db"
    schema.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path, postgres_database: str | None) -> str:
    """A migrated, empty database for this test: a copy of the SQLite template, or the session's
    PostgreSQL database emptied."""
    if postgres_database is not None:
        empty_postgres(postgres_database)
        return postgres_database
    var_dir = tmp_path / "var"
    var_dir.mkdir(exist_ok=True)
    database = var_dir / "byline.db"
    shutil.copy(migrated_template, database)
    return f"sqlite+aiosqlite:///{database}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    var_dir = tmp_path / "var"
    var_dir.mkdir(exist_ok=True)
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        secret_key=SecretStr("test-secret-key-" + "x" * 32),
        base_url=BASE_URL,
        dispatch_interval=0.2,
    )


AppFactory = Callable[..., Any]


@pytest.fixture
async def make_app(settings: Settings) -> AsyncIterator[AppFactory]:
    """Start apps with their lifespan (engine, registry, optional dispatcher); all stopped at the end.

    Names resolve through `resolver=` (default: every name to one public address)."""
    from app.main import create_app

    started: list[Any] = []

    async def start(**kwargs: Any) -> FastAPI:
        kwargs.setdefault("dispatcher", False)
        # No DNS in tests: every name is public unless a test says otherwise (tests/helpers/dns).
        kwargs.setdefault("resolver", everything_public())
        app = create_app(kwargs.pop("settings", settings), **kwargs)
        context = app.router.lifespan_context(app)
        await context.__aenter__()
        started.append(context)
        return app

    yield start
    for context in reversed(started):
        await context.__aexit__(None, None, None)


@pytest.fixture
async def app(make_app: AppFactory) -> FastAPI:
    app: FastAPI = await make_app()
    return app


@pytest.fixture
def state(app: FastAPI) -> AppState:
    result: AppState = app.state.byline
    return result


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        yield http
