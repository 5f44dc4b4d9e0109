"""Talking to Ghost's Admin API: the signed token, and what its answers mean in the terms of
the connector contract (`connectors.base`)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import jwt

from connectors.base import (
    ConnectorError,
    PermanentError,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.http import retry_after

ACCEPT_VERSION = "v5.0"
"""Ghost 5 and 6 both answer the 5.0 Admin API."""
TOKEN_LIFETIME = 300
"""Seconds a signed token is valid: Ghost accepts tokens at most 5 minutes old."""
DEFAULT_RETRY_AFTER = 60.0
NAME_LENGTH = 100
KEY_REFUSALS = {
    "UNKNOWN_ADMIN_API_KEY": "Ghost does not know this Admin API key (it was deleted, or its "
    "integration's key was regenerated): copy the key again from Settings → Integrations",
    "INVALID_API_KEY_TYPE": "this is a Content API key: give the Admin API key of the "
    "integration (Settings → Integrations)",
    "INVALID_JWT": "Ghost refused the token signed with this Admin API key: the secret part of "
    "the key is wrong (copy the whole key again), or this machine's clock is more than 5 minutes "
    "off",
    "MISSING_ADMIN_API_KID": "Ghost found no key id in the token: give the whole Admin API key "
    "({id}:{secret})",
}


def admin_token(key: str, *, now: float | None = None) -> str:
    """A fresh token for one request, signed as Ghost's Admin API asks."""
    key_id, secret = key.split(":", 1)
    issued = int(time.time() if now is None else now)
    return jwt.encode(
        {"iat": issued, "exp": issued + TOKEN_LIFETIME, "aud": "/admin/"},
        bytes.fromhex(secret),
        algorithm="HS256",
        headers={"kid": key_id},
    )


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def first_item(response: httpx.Response, kind: str) -> dict[str, Any] | None:
    body = json_body(response)
    items = body.get(kind) if isinstance(body, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return None


def plain(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(re.sub(r"<[^>]+>", "", value).split())[:NAME_LENGTH]
    return text or None


def ghost_error(
    response: httpx.Response, *, may_have_published: bool, quote: bool = True
) -> ConnectorError:
    """The contract's error for a refusal. `quote=False` (reads: checks, look-ups) repeats no
    text of the answer, only its status and a Ghost error code this module knows."""
    body = json_body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first.get("code") if isinstance(first.get("code"), str) else None
    kind = first.get("type") if isinstance(first.get("type"), str) else None
    message = plain(first.get("message")) or ""
    status = response.status_code
    detail = f"HTTP {status}" + (f" ({code})" if code in KEY_REFUSALS else "")
    if quote and message:
        detail = f"{message} ({code or kind or status})"
    said = {"detail": detail}
    if status in (401, 403):
        cause = KEY_REFUSALS.get(code or "") or (
            "the Admin API key may not do this: give the Admin API key of a custom integration"
        )
        return ReauthRequired(
            f"Ghost refused the Admin API key: {cause} [{detail}]",
            code=f"ghost.key_refused.{code}" if code in KEY_REFUSALS else "ghost.key_refused",
            params=said,
        )
    if status == 429:
        return TransientError(
            f"the site is limiting requests for now: {detail}",
            retry_after=retry_after(response) or DEFAULT_RETRY_AFTER,
            code="ghost.limited",
            params=said,
        )
    if status >= 500:
        if may_have_published:
            return UnknownOutcome(f"the site failed while handling the post: {detail}")
        return TransientError(
            f"the site is failing for now: {detail}", code="ghost.failing", params=said
        )
    if status == 409:
        return TransientError(
            f"someone edited this post on Ghost at the same moment: {detail}; Byline tries again"
        )
    if status == 404:
        return PermanentError(
            f"the site has no Ghost Admin API at this address: {detail}. Check the site's "
            "admin address",
            code="ghost.no_admin_api",
            params=said,
        )
    return PermanentError(f"Ghost refused the post: {detail}")
