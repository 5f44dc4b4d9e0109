"""The Ghost connector: publish, edit, delete, look up, reconcile and check (see the package's
docstring for the Admin API facts it relies on)."""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from connectors.base import (
    Capabilities,
    ChannelContext,
    CheckLine,
    CheckResult,
    Connector,
    OutgoingPost,
    PermanentError,
    PublishResult,
    SettingsRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.ghost.admin_api import (
    ACCEPT_VERSION,
    admin_token,
    first_item,
    ghost_error,
    json_body,
    plain,
)
from connectors.ghost.authors import attribution
from connectors.ghost.settings import USER_ID, GhostConfig, GhostCredentials
from connectors.http import transport_error

TITLE_LENGTH = 80
_POST_ID = re.compile(r"[0-9a-f]{24}")
_SAFE_KEY = re.compile(r"[A-Za-z0-9_.:]+(?:-[A-Za-z0-9_.:]+)*")
_HTML_CARD = "<!--kg-card-begin: html-->{}<!--kg-card-end: html-->"


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
            raise ghost_error(response, may_have_published=True)
        created = first_item(response, "posts")
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
            raise ghost_error(response, may_have_published=True)
        edited = first_item(response, "posts")
        if edited is None:
            raise UnknownOutcome("the site answered the edit without the post")
        return _result(edited)

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        response = await self._call(channel, "DELETE", f"posts/{_post_id(external_id)}/")
        if response.is_success or response.status_code == 404:
            return
        raise ghost_error(response, may_have_published=True)

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
            raise PermanentError(
                f"{config.site_url} does not answer as a Ghost site; check it",
                code="ghost.not_a_site",
                params={"site": str(config.site_url)},
            )
        listing = await self._read(channel, "users/", {"limit": "all", "include": "roles"})
        users = [user for user in listing.get("users") or [] if isinstance(user, dict)]
        title = plain(described.get("title")) or str(config.site_url)
        authors, unmapped = attribution(config, channel.authors, users)
        site_line = CheckLine(
            f"site {title}: the Admin API key works", "ghost.key_works", {"site": title}
        )
        ok = not (unmapped and not config.accept_default_author)
        return CheckResult.of_lines(ok, [site_line, *authors], sep="; ")

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
            path = f"users/{wanted}/" if USER_ID.fullmatch(wanted) else None
            path = path or f"users/email/{quote(wanted, safe='@')}/"
            response = await self._call(channel, "GET", path)
            if response.is_success:
                user = first_item(response, "users")
                if user is not None and isinstance(user.get("id"), str):
                    return str(user["id"])
            elif response.status_code != 404:
                raise ghost_error(response, may_have_published=False, quote=False)
            if chosen:
                raise SettingsRequired(
                    f"the channel names {chosen} as {signature.full_name}'s Ghost staff user, "
                    "and the site has no such user: correct the channel's authors, then check it"
                )
        if config.accept_default_author:
            return None
        raise SettingsRequired(
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
            raise ghost_error(response, may_have_published=False, quote=False)
        found = first_item(response, "posts")
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
            raise ghost_error(response, may_have_published=False, quote=False)
        body = json_body(response)
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


def _result(post: dict[str, Any]) -> PublishResult:
    url = post.get("url")
    return PublishResult(
        external_id=str(post["id"]), external_url=url if isinstance(url, str) else None
    )


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
