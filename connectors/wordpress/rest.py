"""What WordPress's REST API answers mean in the terms of the contract (`connectors.base`).

Refusals come back as `{"code", "message", "data": {"status"}}`. The codes this module names,
from WordPress core (wp-includes/user.php, rest-api.php, class-wp-rest-posts-controller.php),
checked against a real WordPress 6.1:

* `incorrect_password`, `invalid_username`, `invalid_email`, `application_passwords_disabled`,
  `application_passwords_disabled_for_user`: Application Passwords refused the sign-in. WordPress
  reports them only when something determined the user early in the request (a plugin often
  does); on a bare WordPress a wrong password is answered like a request without credentials:
* `rest_not_logged_in` (401): nobody is signed in. Either the username or the application
  password is wrong, or the web server dropped the Authorization header before PHP saw it:
  WordPress cannot tell these apart, so the message names both, the likelier first.
* `rest_cannot_create` (401 when nobody is signed in, 403 when the account may not write posts),
  `rest_cannot_publish` (403: a Contributor may write but not publish),
  `rest_cannot_edit_others` (403: setting another `author` needs `edit_others_posts`),
  `rest_invalid_author` (400: no such user), `rest_cannot_edit` / `rest_cannot_delete` (403),
  `rest_forbidden_context` (403: `context=edit` on something the account may not edit),
  `rest_post_invalid_id` (404), `rest_already_trashed` (410), `rest_no_route` (404).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from connectors.base import (
    ConnectorError,
    PermanentError,
    ReauthRequired,
    SettingsRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.http import retry_after

DEFAULT_RETRY_AFTER = 60.0
TAGS = re.compile(r"<[^>]+>")
_RECONNECT = (
    "Reconnect the channel with the username and an Application Password of an account that "
    "can publish posts"
)
# code -> (what it means, how to fix it), for refusals of the account itself.
_ACCOUNT_REFUSALS = {
    "incorrect_password": (
        "the application password is wrong or was revoked",
        "create a new one in wp-admin (Users → Profile → Application Passwords) and reconnect "
        "the channel with it",
    ),
    "invalid_username": (
        "WordPress has no user with this username",
        "reconnect the channel with the WordPress login (not the application password's name)",
    ),
    "invalid_email": (
        "WordPress has no user with this e-mail address",
        "reconnect the channel with the WordPress login",
    ),
    "application_passwords_disabled": (
        "Application Passwords are turned off on this site (they need https, or a plugin "
        "turns them off)",
        "turn them on in WordPress, then reconnect the channel",
    ),
    "application_passwords_disabled_for_user": (
        "Application Passwords are turned off for this account",
        "ask the site's administrator to allow them, or reconnect with another account",
    ),
    "rest_not_logged_in": (
        "WordPress did not sign the account in: the username or the application password is "
        "wrong, or the web server drops the Authorization header before WordPress sees it",
        "check both and reconnect the channel; if they are right, have the web server pass the "
        "Authorization header on to PHP",
    ),
    "rest_cannot_publish": (
        "the account may write posts but not publish them (a Contributor)",
        "give it the Author role or higher in WordPress, or reconnect with such an account",
    ),
}
_KNOWN_CODES = frozenset(_ACCOUNT_REFUSALS) | {
    "rest_cannot_create",
    "rest_cannot_edit",
    "rest_cannot_delete",
    "rest_cannot_edit_others",
    "rest_invalid_author",
    "rest_forbidden",
    "rest_forbidden_context",
    "rest_no_route",
    "rest_post_invalid_id",
    "rest_already_trashed",
    "rest_invalid_param",
}


class AuthorNotMapped(SettingsRequired):
    """WordPress would show another name than the signing person's: nothing was published, and
    the channel waits, like one whose credentials were refused, until an owner or a manager maps
    a WordPress user to the author (or accepts the account's name) and checks it again."""


def code_of(response: httpx.Response) -> str | None:
    body = json_of(response)
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def refusal(
    response: httpx.Response, *, may_have_published: bool, quote: bool = True
) -> ConnectorError:
    """The contract's error for a refusal. `quote=False` (reads: checks, look-ups) repeats no
    text of the answer, only its status and a WordPress error code this module knows."""
    body = json_of(response)
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = TAGS.sub("", str(body.get("message") or "")).strip()
    status = response.status_code
    if quote:
        detail = f"{message or f'HTTP {status}'} ({code or status})"
    else:
        code = code if code in _KNOWN_CODES else None
        detail = f"HTTP {status} ({code})" if code else f"HTTP {status}"
    if code == "rest_cannot_create" and status == 401:
        code = "rest_not_logged_in"  # the same refusal, met on a write
    # A check's refusals (no text of the site's in `detail`) are named for the reader's words.
    params = None if quote else {"detail": detail}

    def named(name: str | None) -> str | None:
        return None if quote else f"wordpress.refused.{name}"

    if code in _ACCOUNT_REFUSALS:
        cause, fix = _ACCOUNT_REFUSALS[code]
        return ReauthRequired(
            f"WordPress refused the account: {cause} ({detail}). To fix: {fix}",
            code=named(code),
            params=params,
        )
    if code == "rest_cannot_edit_others":
        return AuthorNotMapped(
            f"the account may not publish under another author ({detail}: it lacks WordPress's "
            "edit_others_posts capability). Give it the Editor or Administrator role, or accept "
            "the account's name for this channel (accept_account_author), then check the channel"
        )
    if code == "rest_invalid_author":
        return AuthorNotMapped(
            f"the WordPress user mapped to this author does not exist ({detail}). Fix the "
            "channel's author_ids, then check the channel"
        )
    if code == "rest_cannot_create" or (code is None and status in (401, 403)):
        return ReauthRequired(
            f"WordPress refused the request: the account may not write posts here ({detail}). "
            f"{_RECONNECT}",
            code=named("cannot_write"),
            params=params,
        )
    if code in ("rest_forbidden", "rest_forbidden_context"):
        return ReauthRequired(
            f"WordPress refused the account ({detail}). {_RECONNECT}",
            code=named("forbidden"),
            params=params,
        )
    if status == 429:
        return TransientError(
            f"the site is limiting requests for now: {detail}",
            retry_after=retry_after(response) or DEFAULT_RETRY_AFTER,
        )
    if status >= 500:
        if may_have_published:
            return UnknownOutcome(f"the site failed while handling the post: {detail}")
        return TransientError(f"the site is failing for now: {detail}")
    if code == "rest_post_invalid_id":
        return PermanentError(
            f"the post is no longer on WordPress: it was deleted there ({detail})"
        )
    if code in ("rest_cannot_edit", "rest_cannot_delete"):
        return PermanentError(
            f"the account may not change this post on WordPress ({detail}): it needs the "
            "Editor or Administrator role for posts another user wrote"
        )
    if code == "rest_no_route" or (status == 404 and code is None):
        return PermanentError(
            f"the site has no WordPress REST API at this address: {detail}. Check the site "
            "address (pretty permalinks must be on)"
        )
    return PermanentError(f"WordPress refused the post: {detail}")
