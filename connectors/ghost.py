"""Ghost connector: the signed article goes to a Ghost site through its Admin API.

Ghost Admin API facts this module relies on, checked against Ghost's documentation
(docs.ghost.org/admin-api) and source (ghost/core/core/server/services/auth/api-key/admin.js,
models/relations/authors.js, web/api/endpoints/admin/routes.js):
* Requests go to `{admin domain}/ghost/api/admin/`, with `Accept-Version: v{major}.{minor}` (the
  oldest API version the client works with) and `Authorization: Ghost {token}`. The token is a
  JWT signed HS256 with the hex-decoded secret of the Admin API key (`{id}:{secret}`), `kid` =
  the key's id, `aud` = "/admin/", and at most 5 minutes old. Ghost refuses an unknown key id
  (401 `UNKNOWN_ADMIN_API_KEY`), a Content API key (401 `INVALID_API_KEY_TYPE`) and a bad
  signature or an expired token (401 `INVALID_JWT`). Errors are `{"errors": [{"message",
  "type", "code", ...}]}`.
* POST /posts/?source=html creates a post from HTML (converted to Ghost's editor format; HTML
  between `<!--kg-card-begin: html-->` and `<!--kg-card-end: html-->` is kept as it is, in an
  HTML card). The title is plain text. Without `authors`, and for an author Ghost cannot find by
  id, slug or e-mail, Ghost silently makes the site owner the author: so Byline names the staff
  user, and checks it exists first.
* PUT /posts/{id}/ needs the post's current `updated_at` (collision detection: an older one is a
  409 `UpdateCollisionError`); DELETE /posts/{id}/ answers 204; a missing post is a 404.
* GET /users/, /users/{id}/ and /users/email/{email}/ describe staff users (with `include=roles`,
  their roles: one is "Owner"). GET /site/ answers without authentication.

Idempotency: each post's `codeinjection_foot` (the post's own code injected at the end of its
page) is exactly `<!-- byline:{idempotency_key} -->`. Readers never see it (an HTML comment in
the page's source, never in the article, its excerpt, the feeds or the newsletter), the article
stays as the editor shows it, and the Admin API filters on it: `reconcile` asks for
`codeinjection_foot:'<that comment>'` and accepts only a post whose field is exactly that, so
"byline-delivery-4" never matches "byline-delivery-42". A slug or the canonical URL would be
visible (and the canonical URL would tell search engines the article lives elsewhere); a tag per
delivery would crowd the site's tag list.
"""

from __future__ import annotations

import html
import re
import time
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx
import jwt
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PositiveInt,
    SecretStr,
    field_validator,
)

from connectors.base import (
    Author,
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

ACCEPT_VERSION = "v5.0"
"""Ghost 5 and 6 both answer the 5.0 Admin API."""
TOKEN_LIFETIME = 300
"""Seconds a signed token is valid: Ghost accepts tokens at most 5 minutes old."""
DEFAULT_RETRY_AFTER = 60.0
TITLE_LENGTH = 80
NAME_LENGTH = 100
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
_KEY = re.compile(r"[0-9a-f]{24}:[0-9a-f]{64}")
_USER_ID = re.compile(r"[0-9a-f]{24}")
_POST_ID = re.compile(r"[0-9a-f]{24}")
_SAFE_KEY = re.compile(r"[A-Za-z0-9_.:]+(?:-[A-Za-z0-9_.:]+)*")
_HTML_CARD = "<!--kg-card-begin: html-->{}<!--kg-card-end: html-->"
_KEY_REFUSALS = {
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


class GhostConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_url: HttpUrl = Field(
        description="The site's admin address, e.g. https://blog.example.com (Ghost(Pro): the "
        "*.ghost.io one)"
    )
    status: Literal["published", "draft"] = "published"
    authors: dict[PositiveInt, str] = Field(
        default_factory=dict,
        description="Byline person id → the Ghost staff user who signs as them (their Ghost "
        "e-mail or user id). Without one, a person's Ghost e-mail is looked up by theirs.",
    )
    accept_default_author: bool = Field(
        default=False,
        description="Publish the posts of people with no Ghost staff user anyway, under the "
        "site owner's name, as Ghost does by default.",
    )

    @field_validator("site_url")
    @classmethod
    def _https_unless_local(cls, value: HttpUrl) -> HttpUrl:
        # The Admin API key signs every request: it must not cross the network in clear text.
        if value.scheme != "https" and value.host not in _LOCAL_HOSTS:
            raise ValueError("use an https:// address (http:// only for localhost)")
        if value.query or value.fragment:
            raise ValueError("give the site's address without ?query or #fragment")
        return value

    @field_validator("authors")
    @classmethod
    def _staff_users(cls, value: dict[int, str]) -> dict[int, str]:
        for person_id, user in value.items():
            if not (_USER_ID.fullmatch(user) or "@" in user):
                raise ValueError(
                    f"person {person_id}: give the Ghost staff user's e-mail or its 24-character "
                    "id, not its name"
                )
        return value


class GhostCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    admin_api_key: SecretStr = Field(
        description="Settings → Integrations → Add custom integration → Admin API key."
    )

    @field_validator("admin_api_key")
    @classmethod
    def _shape(cls, value: SecretStr) -> SecretStr:
        if not _KEY.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "give the Admin API key as Ghost shows it: 24 hex characters, a colon, then 64 "
                "(the Content API key is shorter and cannot publish)"
            )
        return SecretStr(value.get_secret_value().strip())


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


def marker(idempotency_key: str) -> str:
    """What the post's `codeinjection_foot` holds, exactly, so `reconcile` can find it."""
    if not _SAFE_KEY.fullmatch(idempotency_key):
        raise PermanentError(f"cannot mark a post with the key {idempotency_key!r}")
    return f"<!-- byline:{idempotency_key} -->"


class GhostConnector(Connector):
    name = "ghost"
    label = "Ghost"
    config_model = GhostConfig
    credentials_model = GhostCredentials
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_length=None, supports_title=True, supports_link=True, supports_html=True
    )

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        config, _ = _settings(channel)
        fields = await self._post_fields(channel, post)
        fields["status"] = config.status
        fields["codeinjection_foot"] = marker(post.idempotency_key)
        response = await self._call(
            channel, "POST", "posts/", params={"source": "html"}, json={"posts": [fields]}
        )
        if not response.is_success:
            raise _ghost_error(response, may_have_published=True)
        created = _first(response, "posts")
        if created is None or not isinstance(created.get("id"), str):
            raise UnknownOutcome("the site answered without a Ghost post; check the site address")
        return _result(created)

    async def update(
        self, channel: ChannelContext, external_id: str, post: OutgoingPost
    ) -> PublishResult:
        current = await self._read_post(channel, external_id)
        if current is None:
            raise PermanentError("this post is no longer on the Ghost site: it was deleted there")
        fields = await self._post_fields(channel, post)
        fields["updated_at"] = current.get("updated_at")
        response = await self._call(
            channel,
            "PUT",
            f"posts/{_post_id(external_id)}/",
            params={"source": "html"},
            json={"posts": [fields]},
        )
        if response.status_code == 404:
            raise PermanentError("this post is no longer on the Ghost site: it was deleted there")
        if not response.is_success:
            raise _ghost_error(response, may_have_published=True)
        edited = _first(response, "posts")
        if edited is None:
            raise UnknownOutcome("the site answered the edit without the post")
        return _result(edited)

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        response = await self._call(channel, "DELETE", f"posts/{_post_id(external_id)}/")
        if response.is_success or response.status_code == 404:
            return
        raise _ghost_error(response, may_have_published=True)

    async def lookup(self, channel: ChannelContext, external_id: str) -> PublishResult | None:
        config, _ = _settings(channel)
        found = await self._read_post(channel, external_id)
        if found is None:
            return None
        if config.status == "published" and found.get("status") != "published":
            return None  # unpublished there: readers no longer see it
        return _result(found)

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        wanted = marker(post.idempotency_key)
        listing = await self._read(
            channel, "posts/", {"filter": f"codeinjection_foot:'{wanted}'", "limit": "5"}
        )
        posts = listing.get("posts")
        if not isinstance(posts, list):
            raise TransientError("the site did not list its posts; try again later")
        for item in posts:
            if isinstance(item, dict) and item.get("codeinjection_foot") == wanted:
                return _result(item)
        return None

    async def check(self, channel: ChannelContext) -> CheckResult:
        """The site answers as Ghost, the Admin API key signs in, and for each person who signs
        for the client, which name Ghost will show as the author."""
        config, _ = _settings(channel)
        site = await self._read(channel, "site/", {}, signed=False)
        described = site.get("site")
        if not isinstance(described, dict):
            raise PermanentError(f"{config.site_url} does not answer as a Ghost site; check it")
        listing = await self._read(channel, "users/", {"limit": "all", "include": "roles"})
        users = [user for user in listing.get("users") or [] if isinstance(user, dict)]
        title = _plain(described.get("title")) or str(config.site_url)
        lines, unmapped = _attribution(config, channel.authors, users)
        detail = "; ".join([f"site {title}: the Admin API key works", *lines])
        if unmapped and not config.accept_default_author:
            return CheckResult(ok=False, detail=detail)
        return CheckResult(ok=True, detail=detail)

    # -- helpers -------------------------------------------------------------------------------

    async def _post_fields(self, channel: ChannelContext, post: OutgoingPost) -> dict[str, Any]:
        if post.html is None or post.signature_html is None:
            raise PermanentError("Ghost needs the HTML rendering of the post")
        body = post.html.replace(post.signature_html, _HTML_CARD.format(post.signature_html), 1)
        fields: dict[str, Any] = {
            "title": post.title or _derived_title(post.text),
            "html": body + _link_paragraph(post.link),
        }
        author = await self._author_of(channel, post)
        if author is not None:
            fields["authors"] = [{"id": author}]
        return fields

    async def _author_of(self, channel: ChannelContext, post: OutgoingPost) -> str | None:
        """The id of the Ghost staff user who signs as the post's author; None when the channel
        accepts Ghost's default (the owner). Never a guess: Ghost would put the owner's name on
        an author it cannot find, so the user is looked up first."""
        config, _ = _settings(channel)
        signature = post.signature
        chosen = config.authors.get(signature.person_id) if signature.person_id else None
        wanted = chosen or signature.email
        if wanted:
            path = f"users/{wanted}/" if _USER_ID.fullmatch(wanted) else None
            path = path or f"users/email/{quote(wanted, safe='@')}/"
            response = await self._call(channel, "GET", path)
            if response.is_success:
                user = _first(response, "users")
                if user is not None and isinstance(user.get("id"), str):
                    return str(user["id"])
            elif response.status_code != 404:
                raise _ghost_error(response, may_have_published=False, quote=False)
            if chosen:
                raise ReauthRequired(
                    f"the channel names {chosen} as {signature.full_name}'s Ghost staff user, "
                    "and the site has no such user: correct the channel's authors, then check it"
                )
        if config.accept_default_author:
            return None
        raise ReauthRequired(
            f"{signature.full_name} has no Ghost staff user on this site, so Ghost would show "
            "its owner as the author: map them in the channel's authors (their Byline person "
            f"id{f' {signature.person_id}' if signature.person_id else ''} → their Ghost "
            "e-mail), or accept the owner's name for this channel (accept_default_author), "
            "then check the channel"
        )

    async def _read_post(self, channel: ChannelContext, external_id: str) -> dict[str, Any] | None:
        response = await self._call(channel, "GET", f"posts/{_post_id(external_id)}/")
        if response.status_code == 404:
            return None
        if not response.is_success:
            raise _ghost_error(response, may_have_published=False, quote=False)
        found = _first(response, "posts")
        if found is None:
            raise TransientError("the site answered without the post; try again later")
        return found

    async def _read(
        self, channel: ChannelContext, path: str, params: dict[str, str], *, signed: bool = True
    ) -> dict[str, Any]:
        """A read: it publishes nothing, so failures are transient unless the key fails."""
        config, _ = _settings(channel)
        response = await self._call(channel, "GET", path, params=params, signed=signed)
        if not response.is_success:
            raise _ghost_error(response, may_have_published=False, quote=False)
        body = _json(response)
        if not isinstance(body, dict):
            raise TransientError(f"{config.site_url} answered with something that is not JSON")
        return body

    async def _call(
        self, channel: ChannelContext, method: str, path: str, *, signed: bool = True, **kw: Any
    ) -> httpx.Response:
        config, key = _settings(channel)
        headers = {"Accept-Version": ACCEPT_VERSION}
        if signed:
            headers["Authorization"] = f"Ghost {admin_token(key)}"
        url = f"{str(config.site_url).rstrip('/')}/ghost/api/admin/{path}"
        try:
            return await self.host.http.request(method, url, headers=headers, **kw)
        except httpx.TransportError as error:
            raise transport_error(
                error, destination="the site", sent_may_publish=method != "GET"
            ) from None


def _settings(channel: ChannelContext) -> tuple[GhostConfig, str]:
    config, credentials = channel.config, channel.credentials
    if not isinstance(config, GhostConfig) or not isinstance(credentials, GhostCredentials):
        raise PermanentError("this channel does not hold Ghost settings; recreate it")
    return config, credentials.admin_api_key.get_secret_value()


def _post_id(external_id: str) -> str:
    if not _POST_ID.fullmatch(external_id):
        raise PermanentError(f"{external_id!r} is not a Ghost post id")
    return external_id


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _first(response: httpx.Response, kind: str) -> dict[str, Any] | None:
    body = _json(response)
    items = body.get(kind) if isinstance(body, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return None


def _result(post: dict[str, Any]) -> PublishResult:
    url = post.get("url")
    return PublishResult(
        external_id=str(post["id"]), external_url=url if isinstance(url, str) else None
    )


def _plain(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(re.sub(r"<[^>]+>", "", value).split())[:NAME_LENGTH]
    return text or None


def _derived_title(text: str) -> str:
    """The first line of the post, shortened at a word boundary: a Ghost post needs a title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[: TITLE_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def _link_paragraph(link: str | None) -> str:
    if not link:
        return ""
    return f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link)}</a></p>'


def _attribution(
    config: GhostConfig, authors: tuple[Author, ...], users: list[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """For each person who signs, the name Ghost will show; and who would show as the owner."""
    owner = next(
        (
            user
            for user in users
            if any(
                isinstance(role, dict) and role.get("name") == "Owner"
                for role in user.get("roles") or []
            )
        ),
        None,
    )
    owner_name = _plain(owner.get("name")) if owner else None
    by_id = {user.get("id"): user for user in users}
    by_email = {str(user.get("email", "")).lower(): user for user in users}
    lines: list[str] = []
    unmapped: list[str] = []
    for author in authors:
        chosen = config.authors.get(author.person_id)
        if chosen:
            user = by_id.get(chosen) or by_email.get(chosen.lower())
        else:
            user = by_email.get(author.email.lower())
        if user is not None:
            lines.append(f"{author.full_name} signs as Ghost user {_plain(user.get('name'))}")
            continue
        unmapped.append(author.full_name)
        shown = owner_name or "the site owner"
        if chosen:
            lines.append(
                f"{author.full_name} is mapped to {chosen}, which is no staff user of this "
                f"site: Ghost would show {shown}; correct the channel's authors"
            )
        elif config.accept_default_author:
            lines.append(f"{author.full_name}'s posts show {shown} as author (accepted)")
        else:
            lines.append(
                f"{author.full_name} (person {author.person_id}) has no Ghost staff user: Ghost "
                f"would show {shown} as the author. Map them in the channel's authors (person "
                "id → Ghost e-mail), or accept it (accept_default_author); until then their "
                "posts here are held"
            )
    return lines, unmapped


def _ghost_error(
    response: httpx.Response, *, may_have_published: bool, quote: bool = True
) -> ConnectorError:
    """The contract's error for a refusal. `quote=False` (reads: checks, look-ups) repeats no
    text of the answer, only its status and a Ghost error code this module knows."""
    body = _json(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first.get("code") if isinstance(first.get("code"), str) else None
    kind = first.get("type") if isinstance(first.get("type"), str) else None
    message = _plain(first.get("message")) or ""
    status = response.status_code
    detail = f"HTTP {status}" + (f" ({code})" if code in _KEY_REFUSALS else "")
    if quote and message:
        detail = f"{message} ({code or kind or status})"
    if status in (401, 403):
        cause = _KEY_REFUSALS.get(code or "") or (
            "the Admin API key may not do this: give the Admin API key of a custom integration"
        )
        return ReauthRequired(f"Ghost refused the Admin API key: {cause} [{detail}]")
    if status == 429:
        return TransientError(
            f"the site is limiting requests for now: {detail}",
            retry_after=retry_after(response) or DEFAULT_RETRY_AFTER,
        )
    if status >= 500:
        if may_have_published:
            return UnknownOutcome(f"the site failed while handling the post: {detail}")
        return TransientError(f"the site is failing for now: {detail}")
    if status == 409:
        return TransientError(
            f"someone edited this post on Ghost at the same moment: {detail}; Byline tries again"
        )
    if status == 404:
        return PermanentError(
            f"the site has no Ghost Admin API at this address: {detail}. Check the site's "
            "admin address"
        )
    return PermanentError(f"Ghost refused the post: {detail}")
