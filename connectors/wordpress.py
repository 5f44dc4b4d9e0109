"""WordPress connector: the signed article goes to a self-hosted WordPress through its REST API.

WordPress REST API facts this module relies on, checked against WordPress's documentation and
core source:
* Posts are created with POST {site}/wp-json/wp/v2/posts (`title`, `content`, `status`,
  `categories`); the answer (201) is the post, with `id` and `link`
  (developer.wordpress.org/rest-api/reference/posts/).
* Listing posts accepts `search` and `status`, an array whose values are the registered statuses
  plus `any` (WP_REST_Posts_Controller::get_collection_params, core changeset 39104);
  `context=edit` adds `content.raw` for users who may edit the post.
* Application Passwords authenticate REST requests with HTTP Basic auth, only over HTTPS or on a
  "local" environment (wp_is_application_passwords_supported, WordPress 5.6+). Refusals come back
  as `{"code", "message", "data": {"status"}}` with codes such as `incorrect_password`,
  `invalid_username`, `application_passwords_disabled(_for_user)`, or `rest_cannot_create`.

Idempotency: the REST API stores `meta` only for keys a plugin registered, and a slug is visible
in the post's address and editable by anyone. So each article ends with an invisible HTML comment,
`<!-- byline:{idempotency_key} -->`. WordPress keeps comments through its HTML filter (kses)
unless they contain "--", which the key never does. `reconcile` searches for the key with
`status=any` and accepts only a post whose content carries the exact comment, so
"byline-delivery-4" never matches "byline-delivery-42".
"""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PositiveInt, SecretStr, field_validator

from connectors.base import (
    Capabilities,
    ChannelContext,
    CheckResult,
    Connector,
    ConnectorError,
    OutgoingPost,
    PermanentError,
    PublishResult,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.http import retry_after, transport_error

DEFAULT_RETRY_AFTER = 60.0
TITLE_LENGTH = 80
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
_AUTH_CODES = frozenset(
    {
        "incorrect_password",
        "invalid_username",
        "invalid_email",
        "application_passwords_disabled",
        "application_passwords_disabled_for_user",
        "rest_not_logged_in",
        "rest_cannot_create",
        "rest_cannot_publish",
        "rest_forbidden",
    }
)
_KNOWN_CODES = _AUTH_CODES | {"rest_no_route"}
ACCOUNT_NAME_LENGTH = 100
_SAFE_KEY = re.compile(r"[A-Za-z0-9_.:]+(?:-[A-Za-z0-9_.:]+)*")
_TAGS = re.compile(r"<[^>]+>")


class WordPressConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_url: HttpUrl = Field(description="The site's address, e.g. https://blog.example.com")
    status: Literal["publish", "draft"] = "publish"
    category_ids: list[PositiveInt] = Field(default_factory=list)

    @field_validator("site_url")
    @classmethod
    def _https_unless_local(cls, value: HttpUrl) -> HttpUrl:
        # Application Passwords only work over HTTPS, and Basic auth must not cross the network
        # in clear text.
        if value.scheme != "https" and value.host not in _LOCAL_HOSTS:
            raise ValueError("use an https:// address (http:// only for localhost)")
        if value.query or value.fragment:
            raise ValueError("give the site's address without ?query or #fragment")
        return value


class WordPressCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    application_password: SecretStr = Field(
        min_length=1, description="Users → Profile → Application Passwords in wp-admin."
    )


class WordPressConnector(Connector):
    name = "wordpress"
    label = "WordPress"
    config_model = WordPressConfig
    credentials_model = WordPressCredentials
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_length=None, supports_title=True, supports_link=True, supports_html=True
    )

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        config, auth = _settings(channel)
        if post.html is None:
            raise PermanentError("WordPress needs the HTML rendering of the post")
        payload: dict[str, Any] = {
            "title": post.title or derived_title(post.text),
            "content": post.html + _link_paragraph(post.link) + marker(post.idempotency_key),
            "status": config.status,
        }
        if config.category_ids:
            payload["categories"] = config.category_ids
        try:
            response = await self.host.http.post(_api(config, "posts"), json=payload, auth=auth)
        except httpx.TransportError as error:
            raise transport_error(
                error, destination=str(config.site_url), sent_may_publish=True
            ) from None
        if not response.is_success:
            raise _wp_error(response, may_have_published=True)
        created = _json(response)
        if not isinstance(created, dict) or created.get("id") is None:
            raise UnknownOutcome(
                "the site answered without a WordPress post; check the site address"
            )
        return _result(created)

    async def check(self, channel: ChannelContext) -> CheckResult:
        """Signs in and names the account; of the site's answers it repeats nothing else (not
        even WordPress's error messages), so a check cannot read pages off a server."""
        config, _ = _settings(channel)
        me = await self._get(channel, "users/me", {"context": "edit"})
        account = _account_name(me)
        if account is None:
            raise PermanentError(
                f"{config.site_url} does not answer as a WordPress REST API; check the address"
            )
        return CheckResult(
            ok=True,
            detail=f"signed in as {account}",
            code="wordpress.signed_in_as",
            params={"account": account},
        )

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        wanted = marker(post.idempotency_key)
        found = await self._get(
            channel,
            "posts",
            {"search": post.idempotency_key, "status": "any", "context": "edit", "per_page": "20"},
        )
        if not isinstance(found, list):
            raise TransientError("the site did not list its posts; try again later")
        for item in found:
            if isinstance(item, dict) and wanted in _content_of(item):
                return _result(item)
        return None

    async def _get(self, channel: ChannelContext, path: str, params: dict[str, str]) -> Any:
        """A read: it publishes nothing, so failures are transient unless credentials fail."""
        config, auth = _settings(channel)
        try:
            response = await self.host.http.get(_api(config, path), params=params, auth=auth)
        except httpx.TransportError as error:
            raise transport_error(
                error, destination=str(config.site_url), sent_may_publish=False
            ) from None
        if not response.is_success:
            raise _wp_error(response, may_have_published=False, quote=False)
        body = _json(response)
        if body is None:
            raise TransientError(f"{config.site_url} answered with something that is not JSON")
        return body


def marker(idempotency_key: str) -> str:
    """The invisible comment that lets `reconcile` find an article again."""
    if not _SAFE_KEY.fullmatch(idempotency_key):
        raise PermanentError(f"cannot mark an article with the key {idempotency_key!r}")
    return f"<!-- byline:{idempotency_key} -->"


def derived_title(text: str) -> str:
    """The first line of the post, shortened at a word boundary: WordPress posts need a title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[: TITLE_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def _link_paragraph(link: str | None) -> str:
    if not link:
        return ""
    href = html.escape(link, quote=True)
    return f'<p><a href="{href}">{html.escape(link)}</a></p>'


def _settings(channel: ChannelContext) -> tuple[WordPressConfig, httpx.BasicAuth]:
    config, credentials = channel.config, channel.credentials
    if not isinstance(config, WordPressConfig) or not isinstance(credentials, WordPressCredentials):
        raise PermanentError("this channel does not hold WordPress settings; recreate it")
    auth = httpx.BasicAuth(
        credentials.username, credentials.application_password.get_secret_value()
    )
    return config, auth


def _api(config: WordPressConfig, path: str) -> str:
    return f"{str(config.site_url).rstrip('/')}/wp-json/wp/v2/{path}"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _result(post: dict[str, Any]) -> PublishResult:
    link = post.get("link")
    return PublishResult(
        external_id=str(post["id"]), external_url=link if isinstance(link, str) else None
    )


def _content_of(post: dict[str, Any]) -> str:
    content = post.get("content")
    if not isinstance(content, dict):
        return ""
    return str(content.get("raw") or content.get("rendered") or "")


def _account_name(me: Any) -> str | None:
    """The account a `users/me` answer describes (its display name, else its slug), or None."""
    if not isinstance(me, dict) or "id" not in me:
        return None
    for key in ("name", "slug"):
        value = me.get(key)
        if isinstance(value, str):
            name = " ".join(_TAGS.sub("", value).split())[:ACCOUNT_NAME_LENGTH]
            if name:
                return name
    return f"user {me['id']}" if isinstance(me["id"], int) else None


def _wp_error(
    response: httpx.Response, *, may_have_published: bool, quote: bool = True
) -> ConnectorError:
    """The contract's error for a refusal. `quote=False` (reads: checks, look-ups) repeats no
    text of the answer, only its status and a WordPress error code this module knows."""
    body = _json(response)
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = _TAGS.sub("", str(body.get("message") or "")).strip()
    status = response.status_code
    if quote:
        detail = f"{message or f'HTTP {status}'} ({code or status})"
    else:
        code = code if code in _KNOWN_CODES else None
        detail = f"HTTP {status} ({code})" if code else f"HTTP {status}"
    if status in (401, 403) or code in _AUTH_CODES:
        hint = (
            " (the web server may be dropping the Authorization header)"
            if code == "rest_not_logged_in"
            else ""
        )
        return ReauthRequired(
            f"WordPress refused the credentials: {detail}{hint}. Reconnect the channel with a "
            "username and an Application Password of an account that can publish posts"
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
    if code == "rest_no_route" or status == 404:
        return PermanentError(
            f"the site has no WordPress REST API at this address: {detail}. Check the site "
            "address (pretty permalinks must be on)"
        )
    return PermanentError(f"WordPress refused the post: {detail}")
