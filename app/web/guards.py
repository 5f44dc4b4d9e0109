"""What every request passes before an endpoint: a body size limit, CSRF on cookie-authenticated
forms, and the security headers of every response."""

from typing import Any

from asgi_csrf import Errors, asgi_csrf
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from secure import (
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    PermissionsPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError, request_locale
from app.web.rendering import render_error

# Web forms are checked; the API authenticates with bearer tokens, never with cookies.
_API = "/api/"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Checked even when the browser sends no cookie yet: signing someone in to the attacker's account
# (login CSRF) is an attack too.
_ALWAYS_PROTECT = {"/login", "/setup", "/logout", "/lang"}


async def _send_error(scope: Scope, send: Send, error: AppError) -> None:
    request = Request(scope)
    page: Response | None = render_error(request, error)
    if page is None:
        page = JSONResponse(error.payload(request_locale(request)), status_code=error.status)
    page.headers.update(error.headers)

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await page(scope, no_body, send)


class BodyLimit:
    """Refuse a request body larger than `limit` bytes (413 `body_too_large`): announced by its
    Content-Length, or found so while it streams in."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._words = f"{limit // 1024} KiB" if limit < 1024 * 1024 else f"{limit // 2**20} MiB"

    def _error(self) -> AppError:
        return AppError("body_too_large", limit=self._words)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (
                len(value) > 18 or not value.isdigit() or int(value) > self.limit
            ):
                await _send_error(scope, send, self._error())
                return
        seen = 0
        over = replied = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True
                    raise self._error()
            return message

        async def answered(message: Message) -> None:
            # Whatever the endpoint made of the cut-off body (FastAPI calls it a 400), the
            # answer is the 413.
            nonlocal replied
            if not over:
                await send(message)
            elif not replied:
                replied = True
                await _send_error(scope, send, self._error())

        try:
            await self.app(scope, counted, answered)
        except AppError:
            if not over:
                raise
            if not replied:
                await _send_error(scope, send, self._error())


class CsrfGuard:
    """asgi_csrf on every cookie-authenticated form, whatever other headers the request carries
    (asgi_csrf on its own lets any `Authorization: Bearer` header through), with refusals that
    are Byline's bilingual errors and a malformed body a 400, never a 500."""

    def __init__(self, app: ASGIApp, *, secret: str, secure_cookie: bool) -> None:
        self.app = app
        self._checked = asgi_csrf(
            self._reached,
            signing_secret=secret,
            skip_if_scope=lambda scope: scope["path"].startswith(_API),
            always_protect=_ALWAYS_PROTECT,
            cookie_secure=secure_cookie,
            send_csrf_failed=self._refused,
        )

    async def _reached(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The check passed: the endpoint sees the request's own headers again."""
        passage: dict[str, Any] = scope["byline.csrf"]
        passage["reached"] = True
        if passage["headers"] is not None:
            scope = {**scope, "headers": passage["headers"]}
        await self.app(scope, receive, send)

    @staticmethod
    async def _refused(scope: Scope, send: Send, reason: Errors) -> None:
        await _send_error(scope, send, AppError("csrf_failed"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(_API) and not any(
            name == b"cookie" for name, _ in scope["headers"]
        ):
            # asgi_csrf passes every API request, sets no cookie on one (the API renders no
            # form) and, without a cookie to read, cannot fail: it would only sign a token
            # nobody reads.
            await self.app(scope, receive, send)
            return
        passage: dict[str, Any] = {"reached": False, "headers": None}
        checked_scope = {**scope, "byline.csrf": passage}
        if scope["method"] not in _SAFE and not scope["path"].startswith(_API):
            # Web routes never authenticate with a bearer token: hide it from the check.
            kept = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            if len(kept) != len(scope["headers"]):
                passage["headers"] = scope["headers"]
                checked_scope["headers"] = kept
        try:
            await self._checked(checked_scope, receive, send)
        except AppError as error:
            if passage["reached"]:
                raise
            await _send_error(scope, send, error)
        except Exception:  # asgi_csrf reading a malformed cookie header or body
            if passage["reached"]:
                raise
            unreadable = "invalid_cookie" if scope["method"] in _SAFE else "invalid_form"
            await _send_error(scope, send, AppError(unreadable))


def security_headers(*, https: bool) -> Secure:
    """The headers of every response: no inline script or style, no framing, no sniffing, and
    HSTS when Byline is served over https."""
    csp = (
        ContentSecurityPolicy()
        .default_src("'self'")
        .script_src("'self'")
        .style_src("'self'")
        # Authors' photos live wherever their profile says (https).
        .img_src("'self'", "https:", "data:")
        .font_src("'self'")
        .connect_src("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
        .base_uri("'none'")
        .object_src("'none'")
    )
    return Secure(
        csp=csp,
        # Not includeSubDomains: Byline may live on a subdomain of an agency's main site.
        hsts=StrictTransportSecurity().max_age(63072000) if https else None,
        referrer=ReferrerPolicy().strict_origin_when_cross_origin(),
        xcto=XContentTypeOptions().nosniff(),
        xfo=XFrameOptions().deny(),
        coop=CrossOriginOpenerPolicy().same_origin(),
        permissions=PermissionsPolicy().geolocation().camera().microphone(),
    )
