"""Facebook Page connector: the signed text goes to a Page's feed through the Graph API.

Graph API facts this module relies on, checked against Meta's documentation:
* Publishing: POST /{page-id}/feed with `message`, optional `link`, and the Page access token as
  the `access_token` parameter; the answer carries the new post's `id`
  (developers.facebook.com/docs/pages-api/posts, /docs/pages-api/getting-started).
* Errors: `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`; codes 102 and
  190 mean the token expired or was revoked, 10 and 200-299 a missing permission, 4 and 17
  throttling, 341 an application limit, 368 a temporary block for policy violations, 506 a
  duplicate post, 1609005 an unreadable link, 1 and 2 a temporary problem on Facebook's side
  (developers.facebook.com/docs/graph-api/guides/error-handling).
* Page access tokens are rate limited per Page ("Business Use Case" limits)
  (developers.facebook.com/docs/graph-api/overview/rate-limiting). Codes 32 (Page-level) and 613
  (custom-level) come from the throttling table of that page as quoted by third parties; the usage
  headers are not read because their shape could not be checked.
* The /{page-id}/posts edge lists the Page's own posts (developers.facebook.com/docs/graph-api/
  reference/post, "Limitations").
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.base import (
    Capabilities,
    ChannelContext,
    CheckResult,
    Connector,
    ConnectorError,
    HostServices,
    OutgoingPost,
    PermanentError,
    PublishResult,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.http import retry_after, transport_error

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_RETRY_AFTER = 60.0
"""Seconds to wait after throttling when Facebook does not say how long."""
PAGE_NAME_LENGTH = 100
RECONCILE_LIMIT = 25
RECONCILE_MARGIN = timedelta(minutes=15)
"""Posts created this long before `scheduled_at` still count: clocks drift, posts go out early."""

_REAUTH_CODES = frozenset({10, 102, 190}) | frozenset(range(200, 300))
_THROTTLE_CODES = frozenset({4, 17, 32, 341, 613})
_FACEBOOK_SIDE_CODES = frozenset({1, 2})
_TOKEN_IN_URL = re.compile(r"(access_token=)[^&\s\"']+")


class FacebookPageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_id: str = Field(
        pattern=r"^\d{1,32}$", description="The Page's numeric id (Page settings → About)."
    )
    graph_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")


class FacebookPageCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_access_token: SecretStr = Field(min_length=1)


class _RedactAccessToken(logging.Filter):
    """httpx logs every request URL at INFO, which `byline serve` shows. The Graph API reads
    tokens as the `access_token` parameter, so GET requests carry it in the query string: this
    filter masks it in those records. POST requests send it in the body and never need it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "access_token=" in message:
            record.msg = _TOKEN_IN_URL.sub(r"\1***", message)
            record.args = ()
        return True


def _install_redaction() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(existing, _RedactAccessToken) for existing in httpx_log.filters):
        httpx_log.addFilter(_RedactAccessToken())


class FacebookPageConnector(Connector):
    name = "facebook_page"
    label = "Facebook Page"
    config_model = FacebookPageConfig
    credentials_model = FacebookPageCredentials
    # 63,206 characters is the message limit every guide cites; Meta's reference does not state
    # it, so Facebook may refuse a long post with code 100 all the same (a PermanentError).
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_length=63206, supports_title=False, supports_link=True, supports_html=False
    )

    def __init__(self, host: HostServices) -> None:
        super().__init__(host)
        _install_redaction()

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        config, token = _settings(channel)
        form = {"message": post.text, "access_token": token}
        if post.link:
            form["link"] = post.link
        url = f"{GRAPH_URL}/{config.graph_version}/{config.page_id}/feed"
        try:
            response = await self.host.http.post(url, data=form)
        except httpx.TransportError as error:
            raise transport_error(error, destination="Facebook", sent_may_publish=True) from None
        if response.is_success:
            post_id = _json(response).get("id")
            if not isinstance(post_id, str) or not post_id:
                raise UnknownOutcome("Facebook accepted the request but did not say which post")
            return PublishResult(
                external_id=post_id, external_url=f"https://www.facebook.com/{post_id}"
            )
        raise _graph_error(response, token, may_have_published=True)

    async def check(self, channel: ChannelContext) -> CheckResult:
        config, _ = _settings(channel)
        page = await self._get(
            channel, f"{config.graph_version}/{config.page_id}", {"fields": "id,name"}
        )
        name = page.get("name")
        shown = config.page_id
        if isinstance(name, str) and name.strip():
            shown = " ".join(name.split())[:PAGE_NAME_LENGTH]
        return CheckResult(
            ok=True, detail=f"page {shown}", code="facebook.page", params={"page": shown}
        )

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        """Facebook has no idempotency key: look for a recent Page post whose message is exactly
        this rendering (it carries the signature, so another author's post cannot match)."""
        config, _ = _settings(channel)
        listing = await self._get(
            channel,
            f"{config.graph_version}/{config.page_id}/posts",
            {"fields": "id,message,created_time", "limit": str(RECONCILE_LIMIT)},
        )
        entries = listing.get("data")
        if not isinstance(entries, list):
            raise TransientError("Facebook did not list the Page's posts; try again later")
        since = post.scheduled_at - RECONCILE_MARGIN
        wanted = _normalised(post.text)
        reached_older = False
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            created = _parse_time(entry.get("created_time"))
            if created is not None and created < since:
                reached_older = True
                continue
            if _normalised(entry.get("message")) == wanted and isinstance(entry.get("id"), str):
                post_id = entry["id"]
                return PublishResult(
                    external_id=post_id,
                    external_url=f"https://www.facebook.com/{post_id}",
                    published_at=created,
                )
        if len(entries) >= RECONCILE_LIMIT and not reached_older:
            # Every listed post is newer than the delivery, so ours may be further down; waiting
            # will not bring it back into view, hence not a TransientError: a person must look.
            raise PermanentError(
                f"the Page has more than {RECONCILE_LIMIT} posts since this one was due; "
                "check the Page by hand"
            )
        return None

    async def _get(
        self, channel: ChannelContext, path: str, params: dict[str, str]
    ) -> dict[str, Any]:
        """A read: nothing can be published by it, so every failure is `TransientError` unless
        the token or the Page is refused."""
        _, token = _settings(channel)
        try:
            response = await self.host.http.get(
                f"{GRAPH_URL}/{path}", params={**params, "access_token": token}
            )
        except httpx.TransportError as error:
            raise transport_error(error, destination="Facebook", sent_may_publish=False) from None
        if not response.is_success:
            raise _graph_error(response, token, may_have_published=False, quote=False)
        body = _json(response)
        if not body:
            raise TransientError("Facebook answered with something that is not the Graph API")
        return body


def _settings(channel: ChannelContext) -> tuple[FacebookPageConfig, str]:
    config, credentials = channel.config, channel.credentials
    if not isinstance(config, FacebookPageConfig) or not isinstance(
        credentials, FacebookPageCredentials
    ):
        raise PermanentError("this channel does not hold Facebook Page settings; recreate it")
    return config, credentials.page_access_token.get_secret_value()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _graph_error(
    response: httpx.Response, token: str, *, may_have_published: bool, quote: bool = True
) -> ConnectorError:
    """The contract's error for a Graph API refusal. `quote=False` (reads: checks, look-ups)
    repeats no text of the answer, only its HTTP status and numeric error code."""
    error = _json(response).get("error")
    error = error if isinstance(error, dict) else {}
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
    if response.status_code == 429 or code in _THROTTLE_CODES:
        return TransientError(
            f"Facebook is limiting calls for now: {detail}",
            retry_after=retry_after(response) or DEFAULT_RETRY_AFTER,
        )
    if code in _REAUTH_CODES:
        return ReauthRequired(
            f"Facebook refused the Page access token or its permissions: {detail}. Reconnect "
            "the channel with a new Page access token that can publish (pages_manage_posts)"
        )
    if response.status_code >= 500 or code in _FACEBOOK_SIDE_CODES:
        if may_have_published:
            return UnknownOutcome(f"Facebook failed while handling the post: {detail}")
        return TransientError(f"Facebook is failing for now: {detail}")
    if code == 506:
        return PermanentError(
            f"Facebook refused a duplicate: this Page just published the same message ({detail}). "
            "Change the text to publish it again"
        )
    if code == 368:
        return PermanentError(
            f"Facebook has temporarily blocked this Page from posting for a policy reason "
            f"({detail}). Check the Page's notifications, then publish again"
        )
    if code == 1609005:
        return PermanentError(f"Facebook could not read the link of this post: {detail}")
    if code == 100:
        return PermanentError(f"Facebook refused a parameter of this post: {detail}")
    return PermanentError(f"Facebook refused the post: {detail}")


def _parse_time(value: object) -> datetime | None:
    """Graph API times look like "2026-05-01T09:30:00+0000"."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def _normalised(message: object) -> str | None:
    if not isinstance(message, str):
        return None
    return message.replace("\r\n", "\n").strip()
