"""The error responses of every operation in the OpenAPI document, written in one place.

FastAPI documents a 422 in a shape Byline never sends. Here every operation gets the statuses it
can answer, each with the one error schema, from what the operation is: every one can fail on our
side (500) and refuses a NUL or a malformed value in its query (422); one with a body can receive
unreadable JSON (400) or too much of it (413); one behind a token can be refused it (401); one that
names objects, in its path or its body, can name one that is not there (404); one behind a token
that changes something or acts on one object can be refused to the caller (403); and a change can
conflict with the object's state (409). Statuses a route declares itself keep their description.
"""

import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

_WRITES = {"post", "put", "patch", "delete"}
_NAMES_AN_OBJECT = re.compile(r"_ids?$")

DESCRIPTIONS = {
    400: "`invalid_json`: the body is not a JSON object (malformed, not UTF-8, or nested too "
    "deeply).",
    401: "`unauthenticated`, `invalid_token` or `account_inactive`: send a valid API token.",
    403: "Not yours to do: your role, or your relation to the object, does not allow it (e.g. "
    "`forbidden_role`, `no_engagement`, `not_post_author`).",
    404: "`not_found`: no such object in your organisation (`field` names the id when it came "
    "in the body).",
    409: "The object's state does not allow it (e.g. `post_not_editable`, `email_taken`).",
    413: "`body_too_large`: the body is larger than BYLINE_MAX_BODY_SIZE.",
    422: "A value is refused, and `field` names it: `invalid_field`, `unknown_field`, "
    "`field_required`, `text_has_nul`, `time_out_of_range`, or a rule of this operation named by "
    "its own code.",
    500: "`internal_error`: something failed on our side; nothing was changed.",
}


class ErrorItem(BaseModel):
    index: int
    code: str
    message: str
    field: str | None


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable: scripts may rely on it.")
    message: str = Field(description="What is wrong and how to fix it, in English or French.")
    field: str | None = Field(description="The field at fault (`channel_ids.0`), if one is.")
    items: list[ErrorItem] | None = Field(
        default=None, description="`bulk_refused` only: each refused post, by its index."
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


def install(app: FastAPI) -> None:
    """Make `app.openapi()` document every operation's error responses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_errors(generate())
        return generate()  # FastAPI keeps the document it made, now with its errors

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorResponse"] = error_schema
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation, schemas):
                declared = responses.get(str(status), {}).get("description")
                description = DESCRIPTIONS[status]
                if declared and declared != "Validation Error":  # FastAPI's own, replaced
                    description = f"{declared} {description}"
                responses[str(status)] = {"description": description, "content": content}
            for status, response in responses.items():
                if int(status) >= 400 and "content" not in response:
                    response["content"] = content
    if not _mentions(document["paths"], "#/components/schemas/HTTPValidationError"):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def _statuses(method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> set[int]:
    statuses = {422, 500}
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    if body is not None:
        statuses |= {400, 413}
    in_path = any(p["in"] == "path" for p in parameters)
    if operation.get("security"):
        statuses.add(401)
        if method in _WRITES or in_path:
            statuses.add(403)
        if method in _WRITES:
            statuses.add(409)
    named = in_path or any(_NAMES_AN_OBJECT.search(p["name"]) for p in parameters)
    if named or (body is not None and _names_objects(body, schemas)):
        statuses.add(404)
    return statuses


def _names_objects(body: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the body has a field such as `client_id` or `channel_ids`, however deep."""
    pending = [media.get("schema", {}) for media in body.get("content", {}).values()]
    seen: set[str] = set()
    while pending:
        schema = pending.pop()
        if not isinstance(schema, dict):
            continue
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                pending.append(schemas.get(name, {}))
            continue
        properties = schema.get("properties", {})
        if any(_NAMES_AN_OBJECT.search(name) for name in properties):
            return True
        pending.extend(properties.values())
        pending.extend(schema.get("anyOf", []))
        pending.extend(schema.get("allOf", []))
        if isinstance(schema.get("items"), dict):
            pending.append(schema["items"])
    return False


def _mentions(value: Any, ref: str) -> bool:
    if isinstance(value, dict):
        return value.get("$ref") == ref or any(_mentions(item, ref) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, ref) for item in value)
    return False
