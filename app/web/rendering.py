"""Rendering server-side pages in the reader's language."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.errors import AppError
from app.kit.i18n import negotiate, normalise_locale, translations
from app.templating import environment
from app.web import formatting


def page_locale(request: Request) -> str:
    """The language chosen on the page (the `lang` cookie), else the signed-in person's, else
    the browser's."""
    chosen = request.cookies.get("lang")
    if chosen:
        return normalise_locale(chosen)
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return normalise_locale(viewer.locale)
    return negotiate(request.headers.get("accept-language"))


def render(
    template: str,
    *,
    locale: str,
    request: Request | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    catalogue = translations(locale)

    def gettext(message: str, **params: Any) -> str:
        text = catalogue.gettext(message)
        return text % params if params else text

    csrftoken = ""
    if request is not None and "csrftoken" in request.scope:
        csrftoken = request.scope["csrftoken"]()
    context.setdefault("viewer", getattr(request.state, "viewer", None) if request else None)
    context.setdefault("section", "")
    # Dates in the reader's language; a page may bring its own (the transparency page's `day`).
    context.setdefault("day", lambda value, zone="UTC": formatting.day(value, zone, locale))
    context.setdefault("moment", lambda value, zone="UTC": formatting.moment(value, zone, locale))
    context.setdefault("initials", formatting.initials)
    html = environment.get_template(template).render(
        gettext=gettext,
        ngettext=catalogue.ngettext,
        _=gettext,
        locale=locale,
        request=request,
        csrftoken=csrftoken,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def render_error(request: Request, error: AppError) -> HTMLResponse | None:
    """HTML error pages everywhere but the API and the operations endpoints, which answer JSON.
    A signed-in person keeps their navigation (the viewer the page had found, if any)."""
    if request.url.path.startswith("/api/") or request.url.path in (
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        return None
    locale = page_locale(request)
    return render(
        "web/error.html",
        locale=locale,
        request=request,
        status_code=error.status,
        message=error.message(locale),
        code=error.code,
    )
