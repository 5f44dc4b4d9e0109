"""What the Graph API's answers mean in the terms of the connector contract (`connectors.base`):
its error codes (developers.facebook.com/docs/graph-api/guides/error-handling, /overview/
rate-limiting) and what /me and /debug_token say of a token that is not fit to publish."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.base import (
    ConnectorError,
    PermanentError,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.http import retry_after

DEFAULT_RETRY_AFTER = 60.0
"""Seconds to wait after throttling when Facebook does not say how long."""
BLOCKED_RETRY_AFTER = 3600.0
"""Seconds to wait after a temporary block (368) when Facebook does not say how long."""
PUBLISH_PERMISSION = "pages_manage_posts"

REAUTH_CODES = frozenset({10, 102, 190}) | frozenset(range(200, 300))
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613}) | frozenset(range(80000, 80015))
BLOCKED = 368
FACEBOOK_SIDE_CODES = frozenset({1, 2})
NO_SUCH_OBJECT = (100, 33)
NO_CURRENT_USER = 2500
"""/me with an app token: "An active access token must be used to query information about the
current user"."""


def json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_fields(response: httpx.Response) -> dict[str, Any]:
    if response.is_success:
        return {}
    error = json_body(response).get("error")
    return error if isinstance(error, dict) else {}


def error_code(response: httpx.Response) -> int | None:
    code = error_fields(response).get("code")
    return code if isinstance(code, int) else None


def is_gone(response: httpx.Response) -> bool:
    error = error_fields(response)
    return (error.get("code"), error.get("error_subcode")) == NO_SUCH_OBJECT


def not_this_page(me: dict[str, Any], name: str | None, page_id: str) -> str:
    metadata = me.get("metadata")
    kind = metadata.get("type") if isinstance(metadata, dict) else None
    who = f"{name} ({me.get('id')})" if name else str(me.get("id"))
    if kind == "user":
        return (
            f"this is the user access token of {who}, not the Page's: it may read the Page but "
            f"not post as it. Reconnect the channel with the Page access token of page "
            f"{page_id} (Graph API /me/accounts)"
        )
    return (
        f"this token is for {who}, not for page {page_id}: reconnect the channel with the "
        f"Page access token of page {page_id}, or correct the page id"
    )


def why_it_cannot_publish(data: dict[str, Any], page_id: str) -> str | None:
    """What /debug_token says that keeps this token from posting on the Page, or None."""
    if data.get("is_valid") is False:
        return "Facebook says this token is no longer valid: reconnect the channel with a new one"
    kind = data.get("type")
    if isinstance(kind, str) and kind != "PAGE":
        return (
            f"this is a {kind.lower()} access token, not a Page access token: reconnect the "
            f"channel with the Page access token of page {page_id}"
        )
    profile = data.get("profile_id")
    if profile is not None and str(profile) != page_id:
        return f"this token is for page {profile}, not for page {page_id}"
    scopes = data.get("scopes")
    if isinstance(scopes, list) and PUBLISH_PERMISSION not in scopes:
        return (
            f"this Page token may read the Page but not publish on it: it lacks "
            f"{PUBLISH_PERMISSION}. Reconnect the channel with a token granted {PUBLISH_PERMISSION} "
            "by a person who can create content on the Page (the CREATE_CONTENT task)"
        )
    for granted in data.get("granular_scopes") or []:
        if not isinstance(granted, dict) or granted.get("scope") != PUBLISH_PERMISSION:
            continue
        targets = granted.get("target_ids")
        if isinstance(targets, list) and targets and page_id not in [str(t) for t in targets]:
            return (
                f"this token may publish ({PUBLISH_PERMISSION}) on other Pages, not on page "
                f"{page_id}: reconnect the channel with a token granted for this Page"
            )
    return None


def graph_error(
    response: httpx.Response, token: str, *, may_have_published: bool, quote: bool = True
) -> ConnectorError:
    """The contract's error for a Graph API refusal. `quote=False` (reads: checks, look-ups)
    repeats no text of the answer, only its HTTP status and numeric error code."""
    error = error_fields(response)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    text = str(
        error.get("error_user_msg") or error.get("message") or f"HTTP {response.status_code}"
    )
    trace = f", fbtrace_id {error['fbtrace_id']}" if error.get("fbtrace_id") else ""
    if not quote:
        text, trace = f"HTTP {response.status_code}", ""
    detail = f"{text} (code {code}{trace})"
    if token:
        detail = detail.replace(token, "***")
    if response.status_code == 429 or code in THROTTLE_CODES:
        return TransientError(
            f"Facebook is limiting calls for now: {detail}",
            retry_after=retry_after(response) or DEFAULT_RETRY_AFTER,
        )
    if code == BLOCKED:
        return TransientError(
            f"Facebook has temporarily blocked this Page from posting ({detail}); Byline waits "
            "and tries again. Check the Page's notifications for the reason",
            retry_after=retry_after(response) or BLOCKED_RETRY_AFTER,
        )
    if code in REAUTH_CODES:
        return ReauthRequired(
            f"Facebook refused the Page access token or its permissions: {detail}. Reconnect "
            f"the channel with a new Page access token that can publish ({PUBLISH_PERMISSION})"
        )
    if response.status_code >= 500 or code in FACEBOOK_SIDE_CODES:
        if may_have_published:
            return UnknownOutcome(f"Facebook failed while handling the post: {detail}")
        return TransientError(f"Facebook is failing for now: {detail}")
    if code == 506:
        return PermanentError(
            f"Facebook refused a duplicate: this Page just published the same message ({detail}). "
            "Change the text to publish it again"
        )
    if code == 1609005:
        return PermanentError(f"Facebook could not read the link of this post: {detail}")
    if code == 100:
        return PermanentError(f"Facebook refused a parameter of this post: {detail}")
    return PermanentError(f"Facebook refused the post: {detail}")
