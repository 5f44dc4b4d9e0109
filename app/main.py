"""The FastAPI application: create_app() and the lifespan that owns engine, HTTP client,
connector registry and scheduler."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
import httpx
from asgi_csrf import asgi_csrf
from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from app import openapi, schema
from app.accounts.endpoints import router as tokens_router
from app.blog.pages import router as blog_router
from app.blog.store import DatabaseArticleStore
from app.channels.endpoints import router as channels_router
from app.clients.endpoints import router as clients_router
from app.config import Settings
from app.db import create_engine, create_session_factory
from app.deliveries.endpoints import router as deliveries_router
from app.dispatch.runner import DispatchRunner
from app.engagements.endpoints import router as engagements_router
from app.errors import install_error_handlers
from app.handovers.endpoints import router as handovers_router
from app.kit.crypto import fernet_for
from app.kit.logs import RequestIdMiddleware
from app.kit.time import Clock, utc_now
from app.operations.endpoints import router as operations_router
from app.people.endpoints import router as people_router
from app.posts.endpoints import router as posts_router
from app.request_checks import check_request
from app.state import AppState
from app.transparency.pages import router as transparency_router
from app.web.pages import router as web_router
from app.web.rendering import render_error
from connectors.base import Connector, HostServices
from connectors.registry import ConnectorRegistry, discover

log = logging.getLogger("byline")

# Swagger UI's files, from a package: /docs works on a machine with no internet access.
_DOCS_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"

API_DESCRIPTION = """
Byline schedules posts for the brands you speak for, and signs every one with its author's real,
attested name.

Authenticate with `Authorization: Bearer <token>` (create one with `byline tokens create` or
`POST /api/v1/tokens`). Errors are `{"error": {"code", "message", "field"}}`; messages follow
`Accept-Language` (English or French). Times are ISO 8601; responses are in UTC.
"""


def build_state(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    connectors: dict[str, type[Connector]] | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> AppState:
    engine = create_engine(settings.resolved_database_url)
    factory = create_session_factory(engine)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.publish_timeout, connect=10.0),
        # Room for every connector call the dispatcher may have in flight at once.
        limits=httpx.Limits(max_connections=max(100, settings.dispatch_concurrency + 20)),
        transport=http_transport,
        headers={"User-Agent": "Byline/0.1"},
    )
    host = HostServices(
        http=http,
        base_url=settings.base_url,
        article_store=DatabaseArticleStore(factory, settings.base_url, clock),
    )
    registry = ConnectorRegistry(connectors if connectors is not None else discover(), host)
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=factory,
        http=http,
        registry=registry,
        fernet=fernet_for(settings.resolved_secret_key),
        clock=clock,
    )


async def close_state(state: AppState) -> None:
    await state.http.aclose()
    await state.engine.dispose()


def create_app(
    settings: Settings | None = None,
    *,
    dispatcher: bool = True,
    migrate: bool = False,
    clock: Clock = utc_now,
    connectors: dict[str, type[Connector]] | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(
            settings, clock=clock, connectors=connectors, http_transport=http_transport
        )
        if migrate:
            await schema.upgrade_engine(state.engine)
        app.state.byline = state
        runner = None
        if dispatcher:
            runner = DispatchRunner(state)
            await runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            await close_state(state)

    app = FastAPI(
        title="Byline",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(check_request)],
    )
    api = APIRouter(prefix="/api/v1")
    for router in (
        people_router,
        tokens_router,
        clients_router,
        engagements_router,
        handovers_router,
        channels_router,
        posts_router,
        deliveries_router,
    ):
        api.include_router(router)
    app.include_router(api)

    app.mount("/docs/assets", StaticFiles(directory=_DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="Byline API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon.png",
        )

    app.include_router(operations_router)
    app.include_router(blog_router)
    app.include_router(transparency_router)
    app.include_router(web_router)
    install_error_handlers(app, render_html=render_error)
    openapi.install(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key,
        session_cookie="byline_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # Forms carry a CSRF token; the API authenticates with bearer tokens, never cookies.
    app.add_middleware(
        asgi_csrf,
        signing_secret=settings.resolved_secret_key,
        skip_if_scope=lambda scope: scope["path"].startswith("/api/"),
        always_protect={"/login", "/setup", "/logout", "/lang"},
    )
    app.add_middleware(RequestIdMiddleware)
    return app
