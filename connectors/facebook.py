"""Facebook Page connector: the signed text goes to a Page's feed through the Graph API.

Graph API facts this module relies on, checked against Meta's documentation:
* Publishing: POST /{page-id}/feed with `message`, optional `link`, and the Page access token as
  the `access_token` parameter; the answer carries the new post's `id`
  (developers.facebook.com/docs/pages-api/posts, /docs/pages-api/getting-started). POST requests
  "read after write": a `fields` parameter makes the answer the created object with those fields
  (Graph API changelog v2.9), so the post's `permalink_url` comes back with its id.
* A Page post is edited with POST /{post-id} and a new `message`, deleted with DELETE /{post-id};
  both answer `{"success": true}`. Reading a post that is gone answers error 100, subcode 33
  ("Object ... does not exist").
* Errors: `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`; codes 102 and
  190 mean the token expired or was revoked, 10 and 200-299 a missing permission, 4, 17, 32, 341,
  613 and 80000-80014 throttling, 368 a temporary block for policy violations, 506 a duplicate
  post, 1609005 an unreadable link, 1 and 2 a temporary problem on Facebook's side
  (developers.facebook.com/docs/graph-api/guides/error-handling, /overview/rate-limiting).
  Throttling and a temporary block mean "wait", never "fail": they are `TransientError`.
* Page access tokens are under Business Use Case limits; the usage headers say how close a Page
  is to them (`connectors.graph_usage`): past 90 % its further calls wait.
* With a Page access token, /me is the Page itself; `metadata=1` adds the node's `type`. The
  /debug_token edge describes a token: its `type` (USER, PAGE, APP), the Page it is for
  (`profile_id`), and its permissions (`scopes`, and `granular_scopes` with `target_ids`)
  (developers.facebook.com/docs/graph-api/reference/debug_token). Publishing needs
  `pages_manage_posts` and a person who may do the CREATE_CONTENT task on the Page.
* The /{page-id}/posts edge lists the Page's own posts (developers.facebook.com/docs/graph-api/
  reference/post, "Limitations").

The Graph API version is the operator's (`BYLINE_FACEBOOK_GRAPH_VERSION`, handed in as the
`graph_version` option of `HostServices`), the same for every Page.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

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
from connectors.graph_api import (
    BLOCKED,
    BLOCKED_RETRY_AFTER,
    DEFAULT_RETRY_AFTER,
    NO_CURRENT_USER,
    PUBLISH_PERMISSION,
    THROTTLE_CODES,
    error_code,
    graph_error,
    is_gone,
    json_body,
    not_this_page,
    why_it_cannot_publish,
)
from connectors.graph_usage import Throttle
from connectors.http import retry_after, transport_error

__all__ = [
    "BLOCKED_RETRY_AFTER",
    "DEFAULT_GRAPH_VERSION",
    "DEFAULT_RETRY_AFTER",
    "FacebookPageConfig",
    "FacebookPageConnector",
    "FacebookPageCredentials",
]

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v26.0"
"""The newest Graph API version when this was written (released 29 July 2026)."""
PAGE_NAME_LENGTH = 100
RECONCILE_LIMIT = 25
RECONCILE_MARGIN = timedelta(minutes=15)
"""Posts created this long before `scheduled_at` still count: clocks drift, posts go out early."""


_TOKEN_IN_URL = re.compile(r"(access_token=|input_token=)[^&\s\"']+")


class FacebookPageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_id: str = Field(
        pattern=r"^\d{1,32}$", description="The Page's numeric id (Page settings → About)."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_version_per_channel(cls, data: Any) -> Any:
        # Channels used to carry their own `graph_version`; the migration of 2026-12-03 took it
        # out of the stored ones, and a new one is refused in words that say where it went.
        if isinstance(data, dict) and "graph_version" in data:
            raise ValueError(
                "graph_version is no longer set per channel: every Page uses the version the "
                "operator sets in BYLINE_FACEBOOK_GRAPH_VERSION; leave it out"
            )
        return data


class FacebookPageCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_access_token: SecretStr = Field(min_length=1)


class _RedactAccessToken(logging.Filter):
    """httpx logs every request URL at INFO, which `byline serve` shows. The Graph API reads
    tokens as the `access_token` parameter, so GET and DELETE requests carry it in the query
    string: this filter masks it in those records. POST requests send it in the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "access_token=" in message or "input_token=" in message:
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
        self.throttle = Throttle()
        _install_redaction()

    @property
    def graph_version(self) -> str:
        return self.host.option(self.name, "graph_version", DEFAULT_GRAPH_VERSION)

    def _url(self, path: str) -> str:
        return f"{GRAPH_URL}/{self.graph_version}/{path}"

    # -- publishing ------------------------------------------------------------------------------

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        config, token = _settings(channel)
        self._not_now(config.page_id)
        form = {"message": post.text, "access_token": token, "fields": "id,permalink_url"}
        if post.link:
            form["link"] = post.link
        response = await self._send(
            config.page_id, "POST", self._url(f"{config.page_id}/feed"), data=form
        )
        if not response.is_success:
            raise graph_error(response, token, may_have_published=True)
        created = json_body(response)
        post_id = created.get("id")
        if not isinstance(post_id, str) or not post_id:
            raise UnknownOutcome("Facebook accepted the request but did not say which post")
        permalink = _permalink(created) or await self._permalink_after_write(channel, post_id)
        return PublishResult(external_id=post_id, external_url=permalink)

    async def update(
        self, channel: ChannelContext, external_id: str, post: OutgoingPost
    ) -> PublishResult:
        """Facebook lets a Page edit a post's message, not its link: the new text replaces
        the old one, signature included."""
        config, token = _settings(channel)
        self._not_now(config.page_id)
        response = await self._send(
            config.page_id,
            "POST",
            self._url(_post_path(external_id)),
            data={"message": post.text, "access_token": token},
        )
        if is_gone(response):
            raise PermanentError("this post is no longer on the Page: it was deleted there")
        if not response.is_success:
            raise graph_error(response, token, may_have_published=True)
        return PublishResult(
            external_id=external_id,
            external_url=await self._permalink_after_write(channel, external_id),
        )

    async def _permalink_after_write(self, channel: ChannelContext, post_id: str) -> str | None:
        """The post's address, read back after a write that succeeded: the write is done either
        way, so neither a failed read nor a Page that must now wait may make it look undone."""
        config, token = _settings(channel)
        try:
            response = await self._read(
                config.page_id,
                _post_path(post_id),
                {"fields": "permalink_url", "access_token": token},
            )
        except ConnectorError:
            return None
        return _permalink(json_body(response)) if response.is_success else None

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        config, token = _settings(channel)
        self._not_now(config.page_id)
        response = await self._send(
            config.page_id,
            "DELETE",
            self._url(_post_path(external_id)),
            params={"access_token": token},
        )
        if response.is_success or is_gone(response):
            return
        raise graph_error(response, token, may_have_published=True)

    async def lookup(self, channel: ChannelContext, external_id: str) -> PublishResult | None:
        config, token = _settings(channel)
        self._not_now(config.page_id)
        response = await self._read(
            config.page_id,
            _post_path(external_id),
            {"fields": "id,permalink_url,created_time", "access_token": token},
        )
        if is_gone(response):
            return None
        found = self._answer(response, token)
        return PublishResult(
            external_id=external_id,
            external_url=_permalink(found),
            published_at=_parse_time(found.get("created_time")),
        )

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        """Facebook has no idempotency key: look for a recent Page post whose message is exactly
        this rendering (it carries the signature, so another author's post cannot match)."""
        config, token = _settings(channel)
        self._not_now(config.page_id)
        response = await self._read(
            config.page_id,
            f"{config.page_id}/posts",
            {
                "fields": "id,message,created_time,permalink_url",
                "limit": str(RECONCILE_LIMIT),
                "access_token": token,
            },
        )
        entries = self._answer(response, token).get("data")
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
                return PublishResult(
                    external_id=entry["id"], external_url=_permalink(entry), published_at=created
                )
        if len(entries) >= RECONCILE_LIMIT and not reached_older:
            # Every listed post is newer than the delivery, so ours may be further down; waiting
            # will not bring it back into view, hence not a TransientError: a person must look.
            raise PermanentError(
                f"the Page has more than {RECONCILE_LIMIT} posts since this one was due; "
                "check the Page by hand"
            )
        return None

    # -- checking --------------------------------------------------------------------------------

    async def check(self, channel: ChannelContext) -> CheckResult:
        """The token must be a Page access token, for this Page, that may publish: a user's or
        an app's token, or another Page's, can read the Page and still not post on it."""
        config, token = _settings(channel)
        me = self._answer(
            await self._read(
                config.page_id, "me", {"fields": "id,name", "metadata": "1", "access_token": token}
            ),
            token,
            about_me=True,
        )
        name = _display_name(me.get("name"))
        if me.get("id") != config.page_id:
            raise ReauthRequired(not_this_page(me, name, config.page_id))
        described = await self._read(
            config.page_id, "debug_token", {"input_token": token, "access_token": token}
        )
        if not described.is_success:
            error = graph_error(described, token, may_have_published=False, quote=False)
            if isinstance(error, TransientError):
                raise error
            # /me just accepted the token as this Page's; Facebook documents /debug_token for
            # app tokens and developers' user tokens, so it may refuse to describe a Page token:
            # the first publish will say whether it may post.
            return CheckResult(
                ok=True,
                detail=f"page {name or config.page_id}: the token is this Page's; Facebook did "
                f"not say whether it has {PUBLISH_PERMISSION}",
                code="facebook.page_token_undescribed",
                params={"page": name or config.page_id, "permission": PUBLISH_PERMISSION},
            )
        data = json_body(described).get("data")
        data = data if isinstance(data, dict) else {}
        refusal = why_it_cannot_publish(data, config.page_id)
        if refusal:
            raise ReauthRequired(refusal)
        return CheckResult(
            ok=True,
            detail=f"page {name or config.page_id}: a Page access token with {PUBLISH_PERMISSION}",
            code="facebook.page_token",
            params={"page": name or config.page_id, "permission": PUBLISH_PERMISSION},
        )

    # -- HTTP ------------------------------------------------------------------------------------

    def _not_now(self, page_id: str) -> None:
        """Refuse, before sending anything, a call for a Page that must wait."""
        wait = self.throttle.wait(page_id)
        if wait > 0:
            raise TransientError(
                f"Facebook says this Page is close to its call limit; Byline waits {wait:.0f} s "
                "before calling again (nothing was sent)",
                retry_after=wait,
            )

    async def _send(self, page_id: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A call that may change the Page: a failure after sending may have changed it."""
        try:
            response = await self.host.http.request(method, url, **kwargs)
        except httpx.TransportError as error:
            raise transport_error(error, destination="Facebook", sent_may_publish=True) from None
        self._observe(page_id, response)
        return response

    async def _read(self, page_id: str, path: str, params: dict[str, str]) -> httpx.Response:
        """A read: nothing can be published by it, so a failed connection can be retried."""
        try:
            response = await self.host.http.get(self._url(path), params=params)
        except httpx.TransportError as error:
            raise transport_error(error, destination="Facebook", sent_may_publish=False) from None
        self._observe(page_id, response)
        return response

    def _observe(self, page_id: str, response: httpx.Response) -> None:
        code = error_code(response)
        at_least = 0.0
        if response.status_code == 429 or code in THROTTLE_CODES:
            at_least = retry_after(response) or DEFAULT_RETRY_AFTER
        elif code == BLOCKED:
            at_least = retry_after(response) or BLOCKED_RETRY_AFTER
        self.throttle.observe(page_id, response, at_least=at_least)

    def _answer(
        self, response: httpx.Response, token: str, *, about_me: bool = False
    ) -> dict[str, Any]:
        """The body of a successful read; a refusal repeats no text of the answer."""
        if not response.is_success:
            error = graph_error(response, token, may_have_published=False, quote=False)
            if about_me and error_code(response) == NO_CURRENT_USER:
                raise ReauthRequired(
                    "this is an app access token, not a Page access token: reconnect the "
                    "channel with the Page access token (Graph API /me/accounts, with a person "
                    "who can create content on the Page)"
                )
            raise error
        body = json_body(response)
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


def _post_path(external_id: str) -> str:
    if not re.fullmatch(r"\d+(?:_\d+)?", external_id):
        raise PermanentError(f"{external_id!r} is not a Facebook post id")
    return external_id


def _permalink(body: dict[str, Any]) -> str | None:
    link = body.get("permalink_url")
    return link if isinstance(link, str) and link.startswith("https://") else None


def _display_name(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:PAGE_NAME_LENGTH]


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
