"""The FastAPI application: create_app() and the lifespan that owns engine, HTTP client,
connector registry and scheduler."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from secure.middleware import SecureASGIMiddleware

from app import openapi, schema
from app.accounts.endpoints import router as tokens_router
from app.accounts.endpoints import sessions_router
from app.aftercare.endpoints import router as aftercare_router
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
from app.kit.throttle import LoginThrottle
from app.kit.time import Clock, utc_now
from app.operations.endpoints import router as operations_router
from app.paths import STATIC_DIR
from app.people.endpoints import router as people_router
from app.posts.endpoints import router as posts_router
from app.request_checks import check_request
from app.state import AppState
from app.transparency.pages import router as transparency_router
from app.web.guards import BodyLimit, CsrfGuard, security_headers
from app.web.pages import router as web_router
from app.web.rendering import render, render_error
from connectors.base import Connector, HostServices
from connectors.destinations import DestinationPolicy, GuardedTransport, Resolver, system_resolver
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


def connector_options(settings: Settings) -> dict[str, dict[str, str]]:
    """What the operator sets for a kind of connector (`HostServices.options`)."""
    return {"facebook_page": {"graph_version": settings.facebook_graph_version}}


def build_state(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    connectors: dict[str, type[Connector]] | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
) -> AppState:
    """Everything the process shares. Every connector's HTTP goes through one client whose
    transport refuses destinations that are not public (`connectors.destinations`), with
    `resolver` looking names up (tests inject one). An injected `http_transport` (tests'
    `httpx.MockTransport`) replaces the network, guard included: it opens no connection. Channel
    settings are checked against the same policy when they are written, either way."""
    engine = create_engine(settings.resolved_database_url)
    factory = create_session_factory(engine)
    destinations = DestinationPolicy(
        settings.allow_private_destinations, resolver=resolver or system_resolver
    )
    if http_transport is None:
        # Room for every connector call the dispatcher may have in flight at once.
        limits = httpx.Limits(max_connections=max(100, settings.dispatch_concurrency + 20))
        http_transport = GuardedTransport(destinations, limits=limits)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.publish_timeout, connect=10.0),
        transport=http_transport,
        headers={"User-Agent": "Byline/0.1"},
        # Neither proxies (they would connect where the guard cannot see) nor ~/.netrc
        # credentials from the environment.
        trust_env=False,
    )
    host = HostServices(
        http=http,
        base_url=settings.base_url,
        article_store=DatabaseArticleStore(factory, settings.base_url, clock),
        options=connector_options(settings),
    )
    registry = ConnectorRegistry(connectors if connectors is not None else discover(), host)
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=factory,
        http=http,
        registry=registry,
        fernet=fernet_for(settings.resolved_secret_key),
        throttle=LoginThrottle(
            settings.rate_limit_storage,
            settings.login_account_limits,
            settings.login_address_limits,
        ),
        destinations=destinations,
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
    resolver: Resolver | None = None,
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(
            settings,
            clock=clock,
            connectors=connectors,
            http_transport=http_transport,
            resolver=resolver,
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
        # Starlette's trailing-slash redirect is built from the Host header: "/login/" is a 404.
        redirect_slashes=False,
    )
    # Each domain's router straight in the app, the busiest first: FastAPI tries the routes in
    # order, and each router nested in another is matched again at every level (measured on
    # POST /api/v1/posts: under /api/v1 and after 35 routes, 14 % of the request's CPU in a
    # profile; flat, 8 %; flat and first, 2 %).
    for router in (
        posts_router,
        people_router,
        sessions_router,
        tokens_router,
        clients_router,
        engagements_router,
        handovers_router,
        channels_router,
        aftercare_router,
        deliveries_router,
    ):
        app.include_router(router, prefix="/api/v1")

    app.mount("/docs/assets", StaticFiles(directory=_DOCS_ASSETS), name="docs-assets")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        # Swagger UI started from static/docs.js: the Content-Security-Policy allows no inline
        # script.
        return render("docs.html", locale="en")

    app.include_router(operations_router)
    app.include_router(blog_router)
    app.include_router(transparency_router)
    app.include_router(web_router)
    install_error_handlers(app, render_html=render_error)
    openapi.install(app)
    # Outermost last: request id, then headers on every answer, then the size limit (before
    # asgi_csrf reads a form), then CSRF.
    app.add_middleware(
        CsrfGuard,
        secret=settings.resolved_secret_key,
        secure_cookie=settings.cookies_secure,
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_size)
    app.add_middleware(SecureASGIMiddleware, secure=security_headers(https=settings.https))
    app.add_middleware(RequestIdMiddleware)
    return app
