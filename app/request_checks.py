"""What every request is checked for before an endpoint sees it.

The API refuses a query parameter it does not know (422 `unknown_field`), as it refuses an unknown
field in a body: a misspelt filter (`?clientid=3`) would otherwise be ignored and answer as if no
filter had been given.

NUL (U+0000) is refused anywhere a request carries text: the path, the query, a JSON body (keys
and values, however deep) and a form. PostgreSQL cannot keep it in text at all (a 500 there),
while SQLite would store it: refused here, it is the same 422 `text_has_nul` on both, and nothing
is written.
"""

import json
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from app.errors import AppError

NUL = "\x00"
_JSON_NUL = b"\\u0000"  # JSON can carry NUL only escaped: a raw one is not valid JSON
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def check_request(request: Request) -> None:
    """An app-wide dependency: runs before authentication and before the endpoint's own
    validation, so the answer does not depend on which of them would have looked first."""
    if NUL in request.scope["path"]:
        raise AppError("text_has_nul", field="path")
    for key, value in request.query_params.multi_items():
        if NUL in key or NUL in value:
            raise AppError("text_has_nul", field=_printable(key))
    if request.query_params and request.scope["path"].startswith("/api/"):
        known = _query_names(request.scope.get("route"))
        for key in request.query_params:
            if key not in known:
                raise AppError("unknown_field", field=key or "query")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.startswith(_FORMS):
        form = await request.form()
        for key, item in form.multi_items():
            if NUL in key or (isinstance(item, str) and NUL in item):
                raise AppError("text_has_nul", field=_printable(key))
        return
    body = await request.body()
    if _JSON_NUL not in body:  # the common case costs one search of the bytes
        return
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON after all: the endpoint that reads a body says so (invalid_json)
    where = _nul_in(document)
    if where is not None:
        raise AppError("text_has_nul", field=where)


def _query_names(route: Any) -> set[str]:
    """The query parameters the route reads, its dependencies' included (a handful: walked each
    time rather than cached, since a route object's id may be reused by another app's)."""
    names: set[str] = set()
    if isinstance(route, APIRoute):
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            names.update(param.alias for param in dependant.query_params)
            pending.extend(dependant.dependencies)
    return names


def _nul_in(document: Any) -> str | None:
    """The dotted path ("posts.0.body") of the first text holding a NUL, or None. Iterative: a
    document nested as deep as the parser allows must not exhaust the stack here."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                if NUL in key:
                    return _printable(inner)
                pending.append((inner, item))
        elif isinstance(value, list):
            pending.extend(
                (f"{path}.{index}" if path else str(index), item)
                for index, item in enumerate(value)
            )
    return None


def _printable(name: str) -> str:
    return name.replace(NUL, "\\u0000") or "query"
