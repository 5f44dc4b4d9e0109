"""Shared fixtures: a migrated database per test, the app with its lifespan, an API client."""

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app import schema
from app.config import Settings
from app.state import AppState

BASE_URL = "http://testserver"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real migrations once; each test then gets its own copy of the database file."""
    path = tmp_path_factory.mktemp("template") / "byline.db"
    schema.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path) -> Settings:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    database = var_dir / "byline.db"
    shutil.copy(migrated_template, database)
    return Settings(
        var_dir=var_dir,
        database_url=f"sqlite+aiosqlite:///{database}",
        secret_key=SecretStr("test-secret-key-" + "x" * 32),
        base_url=BASE_URL,
        dispatch_interval=0.2,
    )


AppFactory = Callable[..., Any]


@pytest.fixture
async def make_app(settings: Settings) -> AsyncIterator[AppFactory]:
    """Start apps with their lifespan (engine, registry, optional dispatcher); all stopped at the end."""
    from app.main import create_app

    started: list[Any] = []

    async def start(**kwargs: Any) -> FastAPI:
        kwargs.setdefault("dispatcher", False)
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
